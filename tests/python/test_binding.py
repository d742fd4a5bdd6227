"""The Python binding: round trips, zero-copy views, GIL release, errors, agreement with the CLI.
Run by ctest with PYTHONPATH pointing at <build>/python and CUSTSIM_BIN at the command line."""
import gc
import os
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest

import custsim

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("CUSTSIM_BIN", str(ROOT / "build/release/core/custsim"))
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def small(**changes):
    # The sample its own market (represents 0): the baseline's budgets at full strength, as
    # these tests were written for; the represents test sets it back.
    settings = {"population__customers": 4000, "days": 30, "population__represents": 0}
    settings.update(changes)
    return custsim.load_scenario(BASELINE, **settings)


def test_scenario_reads_and_changes_by_dotted_key():
    s = small()
    assert s["population.customers"] == 4000
    assert s["brands.focal.price"] == 12
    assert s["channels.tv.cpm"] == s["channels[0].cpm"] == 8
    s["brands.focal.price"] = 14
    s["brands.focal.media"] = [{"channel": "tv", "spend_per_day": 100}]
    assert s["brands.focal.price"] == 14
    assert s["brands.focal.media[0].spend_per_day"] == 100
    assert "brands.focal.price=14" in s.overrides
    with pytest.raises(KeyError):
        s["brands.focal.prize"]


def test_bad_input_raises_value_error_with_the_command_lines_message(tmp_path):
    s = small()
    with pytest.raises(ValueError, match="brands\\[0\\].price: must be a finite number > 0"):
        s["brands.focal.price"] = -1
    assert s["brands.focal.price"] == 12, "a refused change leaves the scenario as it was"
    bad = tmp_path / "bad.yaml"
    bad.write_text("days: 30\nword_of_mouth:\n  rte: 0.1\n")
    with pytest.raises(ValueError) as python_error:
        custsim.load_scenario(bad)
    cli = subprocess.run([BIN, "validate", str(bad)], capture_output=True, text=True)
    assert cli.returncode == 2
    assert str(python_error.value) in cli.stderr
    with pytest.raises(ValueError, match="no such results file"):
        custsim.read_results(tmp_path / "missing.h5")


def test_run_agrees_with_the_command_line(tmp_path):
    s = small()
    r = custsim.run(s, replicates=2, seed=7)
    out = tmp_path / "cli.h5"
    cli = subprocess.run([BIN, "run", str(BASELINE), "-o", str(out), "--quiet", "--replicates",
                          "2", "--seed", "7", "--set", "population.customers=4000",
                          "--set", "days=30", "--set", "population.represents=0"],
                         capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    f = custsim.read_results(out)
    assert f.kpis == r.kpis
    for kpi in r.kpis:
        np.testing.assert_array_equal(r.timeseries(kpi), f.timeseries(kpi), err_msg=kpi)
    np.testing.assert_array_equal(r.final("clv"), f.final("clv"))
    np.testing.assert_array_equal(r.channels("spend"), f.channels("spend"))
    assert r.channel_names == f.channel_names == s.channels
    assert r.timeseries("customers").shape == (2, 31)
    frame = r.to_pandas()
    assert set(frame.columns) == {"replicate", "day", "kpi", "value"}
    assert len(frame) == len(r.kpis) * 2 * 31
    summary = r.summary()
    assert summary.loc["customers", "low"] <= summary.loc["customers", "mean"] \
        <= summary.loc["customers", "high"]


def test_columns_are_read_only_zero_copy_views_that_keep_the_simulation_alive():
    sim = custsim.Simulation(small())
    recall = sim.columns["recall"]
    assert recall.shape == (4000, 2) and recall.dtype == np.float32
    assert not recall.flags.writeable
    with pytest.raises(ValueError):
        recall[0, 0] = 1
    again = sim.columns["recall"]
    assert recall.__array_interface__["data"][0] == again.__array_interface__["data"][0]
    before = recall.copy()
    sim.step(10)
    assert not np.array_equal(before, recall), "the view sees the simulation move: no copy"
    stage = sim.columns["stage"]
    customers = int(np.sum(stage == 3))
    assert customers == sim.kpis["customers"]
    del sim
    gc.collect()
    assert int(np.sum(stage == 3)) == customers  # the view keeps its simulation alive


def test_long_calls_release_the_gil():
    s = small(days=120, population__customers=40000)
    done = threading.Event()
    worker = threading.Thread(target=lambda: (custsim.run(s, replicates=2, threads=1),
                                              done.set()))
    worker.start()
    spins = 0
    while not done.is_set():
        spins += 1  # runs only while the engine does not hold the GIL
    worker.join()
    assert spins > 10000


def test_a_python_policy_steers_the_media_plan():
    calls = []

    def policy(kpis, day):
        calls.append(day)
        return {"search": 50.0} if day < 14 else {"tv": 80.0}

    r = custsim.run(small(), replicates=1, policy=policy, every=7)
    assert calls == [0, 7, 14, 21, 28]
    spend = r.channels("spend")[0, -1]
    tv, search = r.channel_names.index("tv"), r.channel_names.index("search")
    assert spend[search] == pytest.approx(50 * 14)
    assert spend[tv] == pytest.approx(80 * 16)
    assert spend.sum() == pytest.approx(r.final("media_cost")[0])
    assert r.policy_calls == 5 and r.policy_seconds_per_call > 0
    sim = custsim.Simulation(small())
    with pytest.raises(ValueError, match="unknown channels"):
        sim.set_spend({"radio": 1})


def test_experiments_and_sweeps_from_python(tmp_path):
    a, b = small(), small()
    b["brands.focal.service.agents"] = 4
    diff = custsim.compare(a, b, replicates=3)
    assert diff.loc["service_cost", "mean"] == pytest.approx((4 - 0.25) * 150 * 30)
    assert bool(diff.loc["service_cost", "sign_certain"])
    curve = custsim.response(small(), "tv", [0, 50], replicates=2)
    assert list(curve["spend_per_day"]) == [0, 50]
    assert curve["incremental_adopted_mean"][0] == 0
    sweep_file = tmp_path / "sweep.yaml"
    sweep_file.write_text(f"base: {BASELINE}\nset: [population.customers=3000, days=20, "
                          "replicates=2]\ndesign: grid\nparameters:\n"
                          "  - {key: brands.focal.price, values: [10, 14]}\n")
    local = custsim.sweep(sweep_file)
    assert len(local) == 4 and set(local["brands.focal.price"]) == {10, 14}
    out = tmp_path / "sweep.h5"
    cli = subprocess.run([BIN, "sweep", str(sweep_file), "-o", str(out), "--quiet"],
                         capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    read = custsim.read_sweep(out)
    assert read["done"].all()
    np.testing.assert_array_equal(read["profit"].to_numpy(), local["profit"].to_numpy())


def test_a_policy_run_goes_through_the_engines_run_loop_and_keeps_every_cube():
    plain = custsim.run(small(), replicates=2)
    steered = custsim.run(small(), replicates=2, policy=lambda kpis, day: None, every=5)
    # A policy that keeps the plan changes nothing, and the layout is the same: markets included.
    assert steered.kpis == plain.kpis
    for kpi in ("aware", "customers", "revenue"):
        np.testing.assert_array_equal(steered.markets(kpi), plain.markets(kpi))
    np.testing.assert_array_equal(steered.timeseries("profit"), plain.timeseries("profit"))
    assert steered.policy_calls == 2 * 6
    with pytest.raises(ValueError, match="every: must be"):
        custsim.run(small(), policy=lambda kpis, day: None, every=0)


def test_a_sample_gives_market_figures_through_represents(tmp_path):
    # 4 000 customers standing for a market of 100 000: counts and money scale by 25 in
    # Results.market, shares, scores and ratios do not; the file keeps `represents`, and the
    # command line's summary shows the market's column.
    r = custsim.run(small(population__represents=100000, replicates=2), threads=1)
    assert r.represents == 100000 and r.population == 4000 and r.market_scale == 25
    np.testing.assert_allclose(r.market("revenue"), 25 * r.final("revenue"))
    np.testing.assert_allclose(r.market("customers"), 25 * r.final("customers"))
    np.testing.assert_array_equal(r.market("nps"), r.final("nps"))
    np.testing.assert_array_equal(r.market("clv"), r.final("clv"))
    out = tmp_path / "sample.h5"
    done = subprocess.run([BIN, "run", str(BASELINE), "--set", "population.customers=4000",
                           "--set", "days=30", "--set", "replicates=2", "--set",
                           "population.represents=100000", "-o", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "standing for a market of 100000 people" in done.stdout
    line = next(l for l in done.stdout.splitlines() if l.split()[:1] == ["revenue"])
    mean, market = float(line.split()[1]), float(line.split()[-1])
    assert market == pytest.approx(25 * mean, rel=1e-3)
    back = custsim.read_results(out)
    assert back.represents == 100000 and back.market_scale == 25
    plain = custsim.run(small(replicates=1), threads=1)
    assert plain.represents == 0 and plain.market_scale == 1
