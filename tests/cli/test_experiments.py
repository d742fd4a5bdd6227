"""custsim compare, attribute and response: tables, HDF5 files and errors."""
import os
import subprocess
from pathlib import Path

import h5py
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("CUSTSIM_BIN", str(ROOT / "build/release/core/custsim"))
SMALL = ["--set", "population.customers=5000", "--set", "days=30", "--replicates", 3]
# The baseline's budgets are its market's (population.represents 100 000): the sample of 5 000
# books this share of them.
SHARE = 5000 / 100000


def custsim(*args):
    return subprocess.run([BIN, *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


def test_compare_writes_paired_differences(tmp_path):
    out = tmp_path / "compare.h5"
    done = custsim("compare", "scenarios/baseline.yaml", "scenarios/ads_heavy.yaml", *SMALL,
                   "-o", out, "--quiet")
    assert done.returncode == 0, done.stderr
    assert "baseline vs ads_heavy: 3 paired replicates" in done.stdout
    assert "var ratio" in done.stdout
    with h5py.File(out) as f:
        assert "name: ads_heavy" in f.attrs["b_yaml"]
        for kpi in ("customers", "profit", "nps", "media_cost"):
            a, b, d = f["a"][kpi][:], f["b"][kpi][:], f["difference"][kpi][:]
            assert a.shape == b.shape == d.shape == (3,)
            np.testing.assert_allclose(d, b - a)
            summary = f["summary"][kpi][:]
            assert summary.shape == (6,)
            assert summary[3] <= summary[2] <= summary[4]  # low <= mean <= high
        # 22.5 a day more media for 30 days in the market, the sample's share, every replicate
        np.testing.assert_allclose(f["difference/media_cost"][:], 22.5 * 30 * SHARE)
    assert not list(tmp_path.glob("*.tmp*"))


def test_compare_needs_two_scenarios_and_matching_seeds():
    assert custsim("compare", "scenarios/baseline.yaml").returncode == 2
    done = custsim("compare", "scenarios/baseline.yaml", "scenarios/bass.yaml", "--replicates", 1)
    assert done.returncode == 2
    assert "at least 2 replicates" in done.stderr


def test_attribute_reports_each_bought_channel(tmp_path):
    out = tmp_path / "attribute.h5"
    done = custsim("attribute", "scenarios/baseline.yaml", *SMALL, "-o", out, "--quiet")
    assert done.returncode == 0, done.stderr
    with h5py.File(out) as f:
        names = f.attrs["channels"].split(",")
        assert names == ["tv", "search", "social", "influencer", "email", "store", "packaging"]
        spend = f["attribution/spend"][:]
        np.testing.assert_allclose(spend, np.array([60, 40, 40, 20, 5, 30, 5]) * 30 * SHARE)
        low = f["attribution/incremental_customers_low"][:]
        high = f["attribution/incremental_customers_high"][:]
        mean = f["attribution/incremental_customers_mean"][:]
        assert np.all(low <= mean) and np.all(mean <= high)
    for name in ("tv", "search", "packaging"):
        assert name in done.stdout


def test_response_curve_and_its_errors(tmp_path):
    out = tmp_path / "response.h5"
    done = custsim("response", "scenarios/baseline.yaml", "--channel", "tv", "--spend",
                   "0:100:3", *SMALL, "-o", out, "--quiet")
    assert done.returncode == 0, done.stderr
    with h5py.File(out) as f:
        assert f.attrs["channel"] == "tv"
        np.testing.assert_allclose(f["response/spend_per_day"][:], [0, 50, 100])
        adopted = f["response/incremental_adopted_mean"][:]
        assert adopted[0] == 0 and adopted[2] > adopted[1] > 0
    bad = custsim("response", "scenarios/baseline.yaml", "--channel", "radio", "--spend", "0:1:2")
    assert bad.returncode == 2 and "'radio' is not one of the scenario's channels" in bad.stderr
    bad = custsim("response", "scenarios/baseline.yaml", "--channel", "tv", "--spend", "9:1:2")
    assert bad.returncode == 2 and "FROM:TO:STEPS" in bad.stderr
    bass = custsim("attribute", "scenarios/bass.yaml", "--set", "days=1")
    assert bass.returncode == 2 and "no brands" in bass.stderr


def test_levers_report_every_lever_with_its_cost_and_interval(tmp_path):
    out = tmp_path / "levers.h5"
    done = custsim("levers", "scenarios/baseline.yaml", *SMALL, "-o", out, "--quiet")
    assert done.returncode == 0, done.stderr
    with h5py.File(out) as f:
        names = f.attrs["levers"].split(",")
        assert names == ["tv", "search", "social", "influencer", "email", "store", "packaging",
                         "agents", "training", "logistics", "service level", "retention", "price"]
        cost = f["levers/cost_mean"][:]
        # +10 % of each channel's spend for 30 days, the sample's share of the market's.
        np.testing.assert_allclose(cost[:7],
                                   np.array([60, 40, 40, 20, 5, 30, 5]) * 0.1 * 30 * SHARE)
        low, mean, high = (f["levers/profit_" + k][:] for k in ("low", "mean", "high"))
        assert np.all(low <= mean) and np.all(mean <= high)
    for line in ("agents", "service level", "price", "(no cost in scenario)"):
        assert line in done.stdout
    one = custsim("levers", "scenarios/baseline.yaml", "--replicates", 1, "--quiet")
    assert one.returncode == 2 and "at least 2 replicates" in one.stderr


def test_elasticity_reports_short_and_long_run_and_refuses_a_pulse_past_the_run(tmp_path):
    out = tmp_path / "elasticity.h5"
    done = custsim("elasticity", "scenarios/baseline.yaml", "--set", "population.customers=5000",
                   "--set", "days=60", "--replicates", 3, "--from", 14, "--weeks", 2, "-o", out,
                   "--quiet")
    assert done.returncode == 0, done.stderr
    for line in ("short run", "long run", "carry-over", "extra sales per week"):
        assert line in done.stdout
    with h5py.File(out) as f:
        low, mean, high = (f["elasticity/short_run_" + k][:] for k in ("low", "mean", "high"))
        assert low[0] <= mean[0] <= high[0]
        assert mean[0] > 0  # 50 % more of every flight for two weeks sells more in them
        np.testing.assert_allclose(f["elasticity/pulse"][:], [14, 2, 0.5])
        assert len(f["elasticity/extra_sales_per_week"][:]) == (60 - 14) // 7
    late = custsim("elasticity", "scenarios/baseline.yaml", "--set", "days=60", "--from", 50,
                   "--quiet")
    assert late.returncode == 2 and "must end at least a week before" in late.stderr
    bass = custsim("elasticity", "scenarios/bass.yaml", "--quiet")
    assert bass.returncode == 2 and "no brands" in bass.stderr
