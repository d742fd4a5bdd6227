"""custsim.calibrate: the binding's round trip against the command line, its frames and errors."""
import os
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

import custsim

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("CUSTSIM_BIN", str(ROOT / "build/release/core/custsim"))
SETTINGS = {"population__customers": 1000, "days": 12, "dt": 0.1, "record_every": 1}
FIT = {"channels.advertising.adoption_rate": (0.005, 0.1), "word_of_mouth.rate": (0.1, 1.0)}


def data_file(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("day,kpi,value\n" + "".join(
        f"{d},adopted,{v}\n" for d, v in zip(range(2, 13, 2), (60, 110, 160, 170, 130, 80))))
    return path


def test_calibrate_agrees_with_the_command_line(tmp_path):
    data = data_file(tmp_path)
    s = custsim.load_scenario(ROOT / "scenarios" / "bass.yaml", **SETTINGS)
    post = custsim.calibrate(s, data, FIT, steps=8, threads=2, output=tmp_path / "py.h5")
    assert post.chain.shape == (8, 8, 2)
    assert list(post.samples.columns) == list(FIT)
    assert list(post.summary().index) == list(FIT)
    summary = post.summary()
    assert (summary["low"] <= summary["median"]).all() and (summary["median"] <= summary["high"]).all()
    assert list(post.fit["value"]) == [60, 110, 160, 170, 130, 80]
    assert (post.fit["series"] == "adopted").all()
    assert "calibration: 2 keys" in str(post)
    cli = tmp_path / "cli.h5"
    sets = [arg for key, value in (("population.customers", 1000), ("days", 12), ("dt", 0.1),
                                   ("record_every", 1)) for arg in ("--set", f"{key}={value}")]
    done = subprocess.run([BIN, "calibrate", str(ROOT / "scenarios" / "bass.yaml"), *sets,
                           "--data", str(data), "--fit", "channels.advertising.adoption_rate=0.005:0.1",
                           "--fit", "word_of_mouth.rate=0.1:1", "--steps", "8", "--threads", "1",
                           "-o", str(cli), "--quiet"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    with h5py.File(cli) as f, h5py.File(tmp_path / "py.h5") as g:
        np.testing.assert_array_equal(f["chain"][:], post.chain)
        np.testing.assert_array_equal(g["samples"][:], post.samples.to_numpy())


def test_calibrate_refuses_bad_arguments(tmp_path):
    data = data_file(tmp_path)
    s = custsim.load_scenario(ROOT / "scenarios" / "bass.yaml", **SETTINGS)
    with pytest.raises(ValueError, match="a dict of key"):
        custsim.calibrate(s, data, [("word_of_mouth.rate", 0.1, 1)])
    with pytest.raises(ValueError, match="must be \\(low, high\\)"):
        custsim.calibrate(s, data, {"word_of_mouth.rate": 0.5})
    with pytest.raises(ValueError, match="LOW must be below HIGH"):
        custsim.calibrate(s, data, {"word_of_mouth.rate": (1, 0.1)})
    with pytest.raises(ValueError, match="cannot read the observations file"):
        custsim.calibrate(s, tmp_path / "none.csv", FIT)
    with pytest.raises(ValueError, match="steps"):
        custsim.calibrate(s, data, FIT, steps=-1)


def test_log_likelihood_is_the_calibration_s(tmp_path):
    data = data_file(tmp_path)
    s = custsim.load_scenario(ROOT / "scenarios" / "bass.yaml", **SETTINGS)
    post = custsim.calibrate(s, data, FIT, replicates=1, steps=4, threads=2)
    at = s.copy()
    for key, value in post.optimum.items():
        at[key] = value
    one = custsim.log_likelihood(at, data, replicates=1, threads=1)
    # the optimiser's best point, evaluated again: the same number (one replicate, the seed)
    assert one["log_likelihood"] == pytest.approx(post.optimum_log_likelihood, rel=1e-12)
    np.testing.assert_array_equal(one["value"], [60, 110, 160, 170, 130, 80])
    v = one["variance"]
    assert (v > one["value"]).all()  # the Poisson variance plus the simulation's
    by_hand = -0.5 * (((one["value"] - one["mean"]) ** 2 / v) + np.log(2 * np.pi * v)).sum()
    assert one["log_likelihood"] == pytest.approx(by_hand, rel=1e-12)
    far = s.copy()
    far["word_of_mouth.rate"] = 0.1
    assert custsim.log_likelihood(far, data, replicates=1)["log_likelihood"] < by_hand - 10


def test_calibrate_with_the_emulator_agrees_with_the_command_line(tmp_path):
    data = data_file(tmp_path)
    s = custsim.load_scenario(ROOT / "scenarios" / "bass.yaml", **SETTINGS)
    post = custsim.calibrate(s, data, FIT, method="emulator", evaluations=60, steps=200,
                             threads=2)
    assert post.method == "emulator"
    assert post.evaluations <= 60
    emulator = post.emulator
    assert emulator["design"].shape == (post.evaluations - 20, 2)
    assert len(emulator["sd_at_samples"]) == len(post.samples)
    assert "calibration (emulator)" in str(post)
    cli = tmp_path / "cli.h5"
    sets = [arg for key, value in (("population.customers", 1000), ("days", 12), ("dt", 0.1),
                                   ("record_every", 1)) for arg in ("--set", f"{key}={value}")]
    done = subprocess.run([BIN, "calibrate", str(ROOT / "scenarios" / "bass.yaml"), *sets,
                           "--data", str(data), "--fit", "channels.advertising.adoption_rate=0.005:0.1",
                           "--fit", "word_of_mouth.rate=0.1:1", "--method", "emulator",
                           "--evaluations", "60", "--steps", "200", "--threads", "1",
                           "-o", str(cli), "--quiet"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    with h5py.File(cli) as f:
        np.testing.assert_array_equal(f["chain"][:], post.chain)
        np.testing.assert_array_equal(f["emulator/design"][:], emulator["design"])
    with pytest.raises(ValueError, match="method: 'ensemble' or 'emulator'"):
        custsim.calibrate(s, data, FIT, method="gp")
    with pytest.raises(ValueError, match="--evaluations"):
        custsim.calibrate(s, data, FIT, method="emulator", evaluations=10)
