"""custsim optimise: refusals naming the option, a small end-to-end run and its file, the same
file on 1 and 2 threads."""
import os
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("CUSTSIM_BIN", str(ROOT / "build/release/core/custsim"))
# The baseline, small: 2 000 customers standing for themselves, 60 days.
SMALL = ["scenarios/baseline.yaml", "--set", "population.customers=2000", "--set", "days=90",
         "--set", "population.represents=0"]
LEVERS = ["--levers", "tv,search,agents"]


def custsim(*args):
    return subprocess.run([BIN, *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


def test_optimise_writes_every_evaluation(tmp_path):
    out = tmp_path / "opt.h5"
    done = custsim("optimise", *SMALL, "--budget", 10000, *LEVERS, "--min", "agents=1000",
                   "--max", "tv=4000", "--evaluations", 12, "--max-replicates", 4,
                   "--threads", 2, "-o", out)
    assert done.returncode == 0, done.stderr
    assert "optimise: profit over 90 days, budget 10000 over 3 levers" in done.stdout
    assert "gain over the current plan" in done.stdout and "marginal profit" in done.stdout
    assert "stopped: " in done.stdout
    with h5py.File(out) as f:
        allocation = f["optimum/allocation"][:]
        assert allocation.sum() == pytest.approx(10000, rel=1e-12)
        assert allocation[2] >= 1000 and allocation[0] <= 4000
        evaluations = f["evaluations/allocation"][:]
        stage = f["evaluations/stage"][:]
        assert evaluations.shape == (len(stage), 3)
        inside = stage <= int(f.attrs["stages"])  # the marginal probes add money on purpose
        np.testing.assert_allclose(evaluations[inside].sum(axis=1), 10000, rtol=1e-12)
        assert np.all(f["evaluations/replicates"][:] >= 2)
        mean, low, high = f["optimum/objective"][:]
        assert low <= mean <= high
        assert f["gain"].shape == (3,) and f["marginal/mean"].shape == (3,)
        assert f.attrs["levers"] == "tv\nsearch\nagents"
        assert f.attrs["objective"] == "profit"
    assert not list(tmp_path.glob("*.tmp*"))


def test_optimise_is_the_same_on_one_and_two_threads(tmp_path):
    files = []
    for threads in (1, 2):
        out = tmp_path / f"t{threads}.h5"
        done = custsim("optimise", *SMALL, "--budget", 10000, *LEVERS, "--evaluations", 10,
                       "--max-replicates", 4, "--threads", threads, "--quiet", "-o", out)
        assert done.returncode == 0, done.stderr
        assert done.stdout == ""
        files.append(out)
    with h5py.File(files[0]) as a, h5py.File(files[1]) as b:
        for name in ("evaluations/allocation", "evaluations/mean", "evaluations/sd",
                     "optimum/allocation", "optimum/objective", "gain", "marginal/mean"):
            np.testing.assert_array_equal(a[name][:], b[name][:], err_msg=name)


@pytest.mark.parametrize("args, says", [
    (["--levers", "tv,radio"], "--levers: 'radio' is not a lever of the focal brand; allowed: "),
    (["--levers", "tv,tv"], "--levers: tv is named twice"),
    (["--levers", "tv,logistics"], "--levers: logistics costs nothing in this scenario"),
    (["--levers", "tv,search", "--min", "tv"], "--min: expected LEVER=MONEY"),
    (["--levers", "tv,search", "--max", "tv=-3"], "--max: expected LEVER=MONEY"),
    (["--levers", "tv,search", "--min", "email=5"], "--min email: not one of --levers"),
    (["--levers", "tv,search", "--max", "tv=10", "--max", "search=10"],
     "--budget: must be a finite amount between"),
    (["--levers", "tv,search", "--objective", "joy"], "--objective: 'joy' is not a final KPI"),
    (["--levers", "tv", "--horizon", "0"], "--horizon: must be a number of days > 0, got '0'"),
    (["--levers", "tv", "--polish", "-1"], "--polish: must be a whole number of rounds >= 0"),
])
def test_optimise_refusals_name_the_option(args, says):
    done = custsim("optimise", *SMALL, "--budget", 1000, *args, "--quiet", "-o", "/tmp/x.h5")
    assert done.returncode == 2, done.stdout
    assert says in done.stderr


TWO_MARKETS = ["scenarios/two_markets.yaml", "--set", "population.customers=2000", "--set",
               "days=60", "--set", "population.represents=0"]
PER_MARKET = ["--levers", "tv@home,social@home,tv@abroad,social@abroad"]


def test_optimise_holds_each_market_budget(tmp_path):
    out = tmp_path / "markets.h5"
    done = custsim("optimise", *TWO_MARKETS, *PER_MARKET, "--market-budget", "home=8000",
                   "--market-budget", "abroad=3000", "--evaluations", 8, "--max-replicates", 2,
                   "--polish", 0, "-o", out)
    assert done.returncode == 0, done.stderr
    assert "budget 11000 over 4 levers" in done.stdout
    assert "  in home 8000 (its --market-budget 8000, to rounding)" in done.stdout
    assert "  in abroad 3000 (its --market-budget 3000, to rounding)" in done.stdout
    with h5py.File(out) as f:
        assert f.attrs["markets"] == "abroad\nhome"
        np.testing.assert_array_equal(f["market_budgets"][:], [3000, 8000])
        evaluations = f["evaluations/allocation"][:]
        inside = f["evaluations/stage"][:] <= int(f.attrs["stages"])
        np.testing.assert_allclose(evaluations[inside][:, :2].sum(axis=1), 8000, rtol=1e-12)
        np.testing.assert_allclose(evaluations[inside][:, 2:].sum(axis=1), 3000, rtol=1e-12)


def test_optimise_maximises_the_customer_bases_value(tmp_path):
    # clv_total (customers x clv) is a final KPI in money: an objective like profit.
    out = tmp_path / "clv.h5"
    done = custsim("optimise", *SMALL, "--set", "days=40", "--budget", 5000, *LEVERS,
                   "--objective", "clv_total", "--evaluations", 6, "--max-replicates", 2,
                   "--polish", 0, "--quiet", "-o", out)
    assert done.returncode == 0, done.stderr
    # The current plan's objective is the run's /final/clv_total, same seed and replicates.
    run = tmp_path / "run.h5"
    done = custsim("run", *SMALL, "--set", "days=40", "--replicates", 2, "--quiet", "-o", run)
    assert done.returncode == 0, done.stderr
    with h5py.File(out) as f, h5py.File(run) as r:
        assert f.attrs["objective"] == "clv_total" and int(f.attrs["replicates"]) == 2
        mean, low, high = f["optimum/objective"][:]
        assert mean > 0 and low <= mean <= high
        final = r["final/clv_total"][:]
        assert final.mean() > 0
        assert f["current/objective"][0] == pytest.approx(final.mean(), rel=1e-12)
        np.testing.assert_array_equal(final, r["final/customers"][:] * r["final/clv"][:])


@pytest.mark.parametrize("args, says", [
    (["--market-budget", "north=5"],
     "--market-budget north: not a market of the scenario; allowed: home, abroad"),
    (["--market-budget", "home"], "--market-budget: expected MARKET=MONEY with money >= 0"),
    (["--market-budget", "home=1", "--market-budget", "home=2"],
     "--market-budget: home is given twice"),
    (["--budget", "9000", "--market-budget", "home=1000", "--market-budget", "abroad=1000"],
     "--market-budget: the market budgets add up to 2000, not --budget 9000"),
    (["--levers", "tv,tv@home", "--budget", "100"], "--levers: tv and tv@home both spend on tv"),
    (["--levers", "store@abroad", "--budget", "100"],
     "--levers: store@abroad: store is not sold in abroad"),
    (["--levers", "tv@home"], "--budget: give the money the levers share"),
])
def test_optimise_market_refusals_name_the_option(args, says):
    levers = [] if "--levers" in args else PER_MARKET
    done = custsim("optimise", *TWO_MARKETS, *levers, *args, "--quiet", "-o", "/tmp/x.h5")
    assert done.returncode == 2, done.stdout
    assert says in done.stderr


def test_optimise_refuses_a_negative_budget():
    done = custsim("optimise", *SMALL, "--budget", "-5", *LEVERS)
    assert done.returncode == 2 and "--budget: must be money >= 0 over the horizon" in done.stderr


def test_optimise_refuses_one_replicate():
    done = custsim("optimise", *SMALL, "--budget", 1000, *LEVERS, "--replicates", 1)
    assert done.returncode == 2 and "--replicates: the first stage needs at least 2" in done.stderr


def test_an_interrupted_optimisation_leaves_no_file(tmp_path):
    import signal
    import time
    out = tmp_path / "cut.h5"
    # A year at 20 000 customers: a minute or more on idle cores (SMALL's 2 000 x 90 days ends
    # in about a second there, before the signal), each evaluation a second or two.
    process = subprocess.Popen([BIN, "optimise", *SMALL, "--set", "population.customers=20000",
                                "--set", "days=365", "--budget", "10000", *LEVERS,
                                "--quiet", "-o", str(out)], cwd=ROOT, stderr=subprocess.PIPE,
                               text=True)
    time.sleep(1.5)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 130, stderr
    assert not out.exists() and not list(tmp_path.glob("*.tmp*"))


def test_the_optimum_is_checked_over_parameter_draws(tmp_path):
    # The allocation is found at the scenario's values; its gain over the current plan is then
    # measured at each draw of the uncertain keys, the interval split into parameters and noise.
    done = custsim("optimise", *SMALL, "--set", "days=40", "--budget", 5000, *LEVERS,
                   "--set", "uncertain=[{key: channels.tv.cpm, low: 4, high: 16}]",
                   "--draws", 3, "--evaluations", 6, "--max-replicates", 2, "--polish", 0,
                   "-o", tmp_path / "o.h5")
    assert done.returncode == 0, done.stderr
    line = [l for l in done.stdout.splitlines() if l.startswith("gain over the current plan "
                                                                 "across 3 parameter draws")]
    assert len(line) == 1 and "uncertain: ranges" in line[0] and "above 0 in" in line[0]
    done = custsim("optimise", *SMALL, "--budget", 5000, *LEVERS, "--draws", 3)
    assert done.returncode == 2 and "--draws: needs --posterior FILE" in done.stderr
