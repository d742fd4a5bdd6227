"""custsim calibrate: refusals (data, keys, options) and a tiny end-to-end run on the Bass case."""
import os
import subprocess
from pathlib import Path

import h5py
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("CUSTSIM_BIN", str(ROOT / "build/release/core/custsim"))
# The Bass special case, small: 1 000 customers, 12 days, steps of 0.1 day.
BASS = ["scenarios/bass.yaml", "--set", "population.customers=1000", "--set", "days=12",
        "--set", "dt=0.1", "--set", "record_every=1"]
P = "channels.advertising.adoption_rate=0.005:0.1"
Q = "word_of_mouth.rate=0.1:1"


def custsim(*args):
    return subprocess.run([BIN, *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


def data_file(tmp_path, text):
    path = tmp_path / "data.csv"
    path.write_text(text)
    return path


def test_calibrate_writes_a_posterior(tmp_path):
    data = data_file(tmp_path, "day,kpi,value\n" + "".join(
        f"{d},adopted,{v}\n" for d, v in zip(range(2, 13, 2), (60, 110, 160, 170, 130, 80))))
    out = tmp_path / "post.h5"
    done = custsim("calibrate", *BASS, "--data", data, "--fit", P, "--fit", Q, "--steps", 8,
                   "--threads", 2, "-o", out)
    assert done.returncode == 0, done.stderr
    assert "calibration: 2 keys, 8 walkers x 8 steps (burn-in 4" in done.stdout
    assert "word_of_mouth.rate" in done.stdout and "evaluations in" in done.stdout
    with h5py.File(out) as f:
        assert f["chain"].shape == (8, 8, 2)
        assert f["log_likelihood"].shape == (8, 8)
        assert f.attrs["keys"] == "channels.advertising.adoption_rate\nword_of_mouth.rate"
        samples = f["samples"][:]
        assert samples.shape[1] == 2 and len(samples) == len(f["samples_log_likelihood"])
        low, high = f["prior/low"][:], f["prior/high"][:]
        assert np.all(f["chain"][:] >= low) and np.all(f["chain"][:] <= high)
        assert np.all(f["posterior/low"][:] <= f["posterior/median"][:])
        assert np.all(f["posterior/median"][:] <= f["posterior/high"][:])
        np.testing.assert_array_equal(f["data/value"][:], [60, 110, 160, 170, 130, 80])
        assert f["fit/median"].shape == (6,)
        assert np.all(f["fit/low"][:] <= f["fit/high"][:])
        assert f["diagnostics/acceptance"].shape == (8,)
        assert int(f.attrs["evaluations"]) > 8 * 9
    assert not list(tmp_path.glob("*.tmp*")) and not list(tmp_path.glob("*.partial"))
    # A progress file that is not this calibration's is refused, not resumed (the resume itself,
    # cut at chosen steps, is Calibration.ResumesFromItsCheckpointBitForBit).
    other = tmp_path / "other.h5"
    (tmp_path / "other.h5.partial").write_bytes(out.read_bytes())
    done = custsim("calibrate", *BASS, "--data", data, "--fit", P, "--fit", Q, "--steps", 8,
                   "-o", other)
    assert done.returncode == 2 and "holds the progress of another calibration" in done.stderr
    (tmp_path / "other.h5.partial").write_text("not a checkpoint")
    done = custsim("calibrate", *BASS, "--data", data, "--fit", P, "--fit", Q, "--steps", 8,
                   "-o", other)
    assert done.returncode == 2 and "other.h5.partial" in done.stderr, done.stderr
    assert not other.exists()
    # The same on one thread, bit for bit.
    again = tmp_path / "again.h5"
    done = custsim("calibrate", *BASS, "--data", data, "--fit", P, "--fit", Q, "--steps", 8,
                   "--threads", 1, "-o", again, "--quiet")
    assert done.returncode == 0 and done.stdout == "", done.stderr
    with h5py.File(out) as a, h5py.File(again) as b:
        np.testing.assert_array_equal(a["chain"][:], b["chain"][:])
        np.testing.assert_array_equal(a["fit/median"][:], b["fit/median"][:])


def test_calibrate_refuses_bad_input(tmp_path):
    good = data_file(tmp_path, "day,kpi,value\n4,adopted,100\n8,adopted,120\n")
    bad_kpi = tmp_path / "bad.csv"
    bad_kpi.write_text("day,kpi,value\n4,adopted,100\n8,adoptd,1\n")
    cases = [
        (["--data", bad_kpi, "--fit", P], "bad.csv:3: column 2 (kpi): unknown KPI 'adoptd'"),
        (["--data", tmp_path / "none.csv", "--fit", P], "cannot read the observations file"),
        (["--data", good, "--fit", "word_of_mouth.rate"], "expected KEY=LOW:HIGH"),
        (["--data", good, "--fit", "word_of_mouth.rate=1:0.1"], "LOW must be below HIGH"),
        (["--data", good, "--fit", "word_of_mouth.rat=0.1:1"], "did you mean"),
        (["--data", good, "--fit", "word_of_mouth.rate=-1:1"], "--fit word_of_mouth.rate=-1:1"),
        (["--data", good, "--fit", P, "--fit", Q, "--walkers", 3], "--walkers: must be even"),
        (["--data", good, "--fit", P, "--steps", 2], "--steps: must be at least 4"),
        (["--data", good, "--fit", P, "-o", tmp_path / "no" / "such" / "x.h5"], "-o"),
    ]
    for extra, message in cases:
        done = custsim("calibrate", *BASS, *extra)
        assert done.returncode == 2, (extra, done.stderr)
        assert message in done.stderr, (extra, done.stderr)
    assert not list(tmp_path.glob("*.h5"))
    done = custsim("calibrate", *BASS, "--fit", P)
    assert done.returncode == 2 and "--data" in done.stderr


def test_calibrate_with_the_emulator(tmp_path):
    """--method emulator: today's layout plus /emulator, the same on 1 and 2 threads, within
    --evaluations, and a posterior that compare --posterior takes."""
    data = data_file(tmp_path, "day,kpi,value\n" + "".join(
        f"{d},adopted,{v}\n" for d, v in zip(range(2, 13, 2), (60, 110, 160, 170, 130, 80))))
    files = []
    for threads in (2, 1):
        out = tmp_path / f"emulator{threads}.h5"
        done = custsim("calibrate", *BASS, "--data", data, "--fit", P, "--fit", Q, "--method",
                       "emulator", "--evaluations", 60, "--steps", 300, "--threads", threads,
                       "-o", out)
        assert done.returncode == 0, done.stderr
        files.append(out)
    assert "calibration (emulator): 2 keys" in done.stdout
    assert "emulator: sd at the samples" in done.stdout
    with h5py.File(files[0]) as a, h5py.File(files[1]) as b:
        assert a.attrs["method"] == "emulator"
        assert int(a.attrs["evaluations"]) <= 60
        assert a["chain"].shape == (300, 32, 2)
        for name in ("samples", "posterior/median", "posterior/low", "posterior/high",
                     "diagnostics/r_hat", "fit/median", "fit/low", "fit/high", "optimum"):
            assert name in a, name
        design = a["emulator/design"][:]
        assert design.shape[1] == 2 and len(design) == len(a["emulator/log_likelihood"])
        assert len(design) + 20 == int(a.attrs["evaluations"])
        assert np.all(design >= a["prior/low"][:]) and np.all(design <= a["prior/high"][:])
        assert len(a["emulator/sd_at_samples"]) == len(a["samples"])
        assert np.all(a["emulator/sd_at_samples"][:] >= 0)
        assert a["emulator/length_scales"].shape == (2,)
        for name in ("chain", "samples", "emulator/design", "fit/low"):
            np.testing.assert_array_equal(a[name][:], b[name][:])
    assert not list(tmp_path.glob("*.partial"))
    seeded = tmp_path / "seeded.yaml"
    seeded.write_text(f"extends: {ROOT}/scenarios/bass.yaml\nname: seeded\nseeds:\n  count: 50\n")
    done = custsim("compare", "scenarios/bass.yaml", seeded, *BASS[1:], "--set", "replicates=2",
                   "--posterior", files[0], "--draws", 3, "--kpis", "adopted", "--quiet")
    assert done.returncode == 0, done.stderr
    assert "3 draws of channels.advertising.adoption_rate,word_of_mouth.rate" in done.stdout
    cases = [(["--evaluations", 30], "--evaluations: the emulator method needs at least 40"),
             (["--tolerance", 0], "--tolerance: must be a number > 0"),
             (["--walkers", 7], "--walkers: must be even")]
    for extra, message in cases:
        done = custsim("calibrate", *BASS, "--data", data, "--fit", P, "--fit", Q, "--method",
                       "emulator", *extra, "-o", tmp_path / "bad.h5")
        assert done.returncode == 2 and message in done.stderr, (extra, done.stderr)
    done = custsim("calibrate", *BASS, "--data", data, "--fit", P, "--method", "emulatr")
    assert done.returncode == 2 and "--method" in done.stderr
