"""compare, response and levers over parameter draws: from the scenario's `uncertain:` ranges and
from a calibration's posterior file; the files they write, and what they refuse."""
import csv
import os
import subprocess
from pathlib import Path

import h5py
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("CUSTSIM_BIN", str(ROOT / "build/release/core/custsim"))
SMALL = ["--set", "population.customers=2000", "--set", "days=40", "--set", "replicates=2",
         "--set", "population.represents=0", "--quiet"]
CPM = "uncertain=[{key: channels.tv.cpm, low: 4, high: 16}]"
BASS = ["--set", "population.customers=1000", "--set", "days=12", "--set", "dt=0.1",
        "--set", "record_every=1"]


def custsim(*args):
    return subprocess.run([BIN, *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


def more_tv(tmp_path):
    """The baseline with TV doubled (a flight's spend; media lists are replaced whole)."""
    text = (ROOT / "scenarios/baseline.yaml").read_text()
    assert "{channel: tv, spend_per_day: 60}" in text
    path = tmp_path / "more_tv.yaml"
    path.write_text(text.replace("{channel: tv, spend_per_day: 60}",
                                 "{channel: tv, spend_per_day: 120}").replace(
                                     "name: baseline", "name: more_tv", 1))
    return path


def test_compare_over_uncertain_ranges_writes_the_split(tmp_path):
    out, table = tmp_path / "c.h5", tmp_path / "c.csv"
    done = custsim("compare", "scenarios/baseline.yaml", more_tv(tmp_path), *SMALL, "--set", CPM,
                   "--draws", 4, "--kpis", "aware,customers,profit", "-o", out, "--csv", table)
    assert done.returncode == 0, done.stderr
    assert "parameter uncertainty: 4 draws of channels.tv.cpm from uncertain: ranges" \
        in done.stdout
    assert "+-params" in done.stdout and "+-noise" in done.stdout
    rows = {r["kpi"]: r for r in csv.DictReader(table.open())}
    assert set(rows) == {"aware", "customers", "profit"}
    for r in rows.values():
        low, high, mean = float(r["low"]), float(r["high"]), float(r["difference"])
        assert low <= mean <= high
        half = (high - low) / 2
        parts = float(r["parameters_half_width"]) ** 2 + float(r["noise_half_width"]) ** 2
        assert abs(parts - half ** 2) <= 1e-6 * max(1.0, half ** 2)
        assert r["draws"] == "4"
    with h5py.File(out) as f:
        assert f["per_draw/aware"].shape == (4,)
        points = f["draws/points"][:]
        assert points.shape == (4,) and np.all((points > 4) & (points < 16))
        assert f.attrs["draws_keys"] == "channels.tv.cpm"
        # The summary's mean is the mean of the draws' mean differences.
        assert np.isclose(f["summary/aware"][2], f["per_draw/aware"][:].mean())


def test_levers_and_response_over_draws(tmp_path):
    done = custsim("levers", "scenarios/baseline.yaml", *SMALL, "--set", CPM, "--draws", 2,
                   "--set", "days=20", "-o", tmp_path / "l.h5")
    assert done.returncode == 0, done.stderr
    assert "parameter uncertainty: 2 draws" in done.stdout and "profit per 1" in done.stdout
    with h5py.File(tmp_path / "l.h5") as f:
        names = f.attrs["levers"].split(",")
        assert "tv" in names and "agents" in names
        assert f["levers/profit_per_unit_mean"].shape == (len(names),)
        assert np.all(f["levers/profit_low"][:] <= f["levers/profit_high"][:])
    done = custsim("response", "scenarios/baseline.yaml", *SMALL, "--set", CPM, "--draws", 2,
                   "--channel", "tv", "--spend", "0:120:3", "-o", tmp_path / "r.h5")
    assert done.returncode == 0, done.stderr
    with h5py.File(tmp_path / "r.h5") as f:
        np.testing.assert_array_equal(f["response/spend_per_day"][:], [0, 60, 120])
        assert f["response/incremental_profit_parameters_half_width"].shape == (3,)


def test_compare_over_a_posterior(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("day,kpi,value\n" + "".join(
        f"{d},adopted,{v}\n" for d, v in zip(range(2, 13, 2), (60, 110, 160, 170, 130, 80))))
    post = tmp_path / "post.h5"
    done = custsim("calibrate", "scenarios/bass.yaml", *BASS, "--data", data,
                   "--fit", "channels.advertising.adoption_rate=0.005:0.1",
                   "--fit", "word_of_mouth.rate=0.1:1", "--steps", 8, "-o", post, "--quiet")
    assert done.returncode == 0, done.stderr
    seeded = tmp_path / "seeded.yaml"
    seeded.write_text(f"extends: {ROOT}/scenarios/bass.yaml\nname: seeded\n"
                      "seeds:\n  count: 50\n")
    done = custsim("compare", "scenarios/bass.yaml", seeded, *BASS, "--set", "replicates=2",
                   "--posterior", post, "--draws", 3, "--kpis", "adopted", "--quiet")
    assert done.returncode == 0, done.stderr
    assert f"3 draws of channels.advertising.adoption_rate,word_of_mouth.rate from posterior " \
           f"{post}" in done.stdout
    # Both sources at once, a compared key drawn, --draws alone: refused before any run.
    done = custsim("compare", "scenarios/bass.yaml", seeded, *BASS, "--posterior", post,
                   "--set", "uncertain=[{key: days, low: 5, high: 10}]")
    assert done.returncode == 2 and "use one source of parameter uncertainty" in done.stderr
    faster = tmp_path / "faster.yaml"
    faster.write_text(f"extends: {ROOT}/scenarios/bass.yaml\nname: faster\n"
                      "word_of_mouth:\n  rate: 0.5\n")
    done = custsim("compare", "scenarios/bass.yaml", faster, *BASS, "--set", "replicates=2",
                   "--posterior", post, "--draws", 2)
    assert done.returncode == 2 and "word_of_mouth.rate" in done.stderr
    assert "undoing the difference compared" in done.stderr
    done = custsim("compare", "scenarios/bass.yaml", seeded, *BASS, "--draws", 3)
    assert done.returncode == 2 and "--draws: needs --posterior FILE" in done.stderr
    done = custsim("compare", "scenarios/bass.yaml", seeded, *BASS, "--posterior", data)
    assert done.returncode == 2 and str(data) in done.stderr
