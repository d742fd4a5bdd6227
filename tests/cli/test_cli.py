"""The custsim command line as a user meets it: exit codes, messages, files readable by h5py."""
import os
import signal
import subprocess
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("CUSTSIM_BIN", str(ROOT / "build/release/core/custsim"))


def custsim(*args, cwd=ROOT):
    return subprocess.run([BIN, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


def test_run_writes_a_results_file_h5py_can_read(tmp_path):
    out = tmp_path / "bass.h5"
    done = custsim("run", "scenarios/bass.yaml", "-o", out, "--replicates", 2, "--seed", 5,
                   "--set", "days=10")
    assert done.returncode == 0, done.stderr
    assert "adopted" in done.stdout and "95% interval" in done.stdout
    with h5py.File(out) as f:
        assert f.attrs["seed"] == 5
        assert f.attrs["replicates"] == 2
        assert f.attrs["population"] == 100000
        assert "days: 10" in f.attrs["scenario_yaml"]
        assert f.attrs["custsim_version"]
        time_ = f["time"][:]
        assert time_.dtype == np.float64 and time_[0] == 0 and time_[-1] == 10
        for kpi in ("adopted", "customers", "aware"):
            series = f["timeseries"][kpi]
            assert series.dtype == np.float64
            assert series.shape == (2, len(time_))
            assert f["final"][kpi].shape == (2,)
            np.testing.assert_array_equal(f["final"][kpi][:], series[:, -1])
        adopted = f["timeseries/adopted"][:]
        assert np.all(np.diff(adopted, axis=1) >= 0)
    assert not list(tmp_path.glob("*.tmp*"))


def test_same_seed_same_file_contents(tmp_path):
    runs = []
    for threads in (1, 2):
        out = tmp_path / f"t{threads}.h5"
        done = custsim("run", "scenarios/baseline.yaml", "-o", out, "--threads", threads,
                       "--replicates", 1, "--set", "days=30", "--quiet")
        assert done.returncode == 0, done.stderr
        assert done.stdout == ""
        with h5py.File(out) as f:
            runs.append({k: f["timeseries"][k][:] for k in f["timeseries"]})
    for kpi in runs[0]:
        np.testing.assert_array_equal(runs[0][kpi], runs[1][kpi])


def test_bad_scenario_exits_2_naming_file_line_key_and_suggestion(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("days: 30\nword_of_mouth:\n  rte: 0.1\n")
    done = custsim("validate", bad)
    assert done.returncode == 2
    assert f"{bad}:3: word_of_mouth.rte: unknown key; did you mean 'rate'?" in done.stderr


def test_validate_accepts_the_shipped_scenarios():
    for scenario in sorted((ROOT / "scenarios").glob("*.yaml")):
        done = custsim("validate", scenario)
        assert done.returncode == 0, done.stderr
        assert ("valid sweep" if scenario.name.startswith("sweep_") else "valid scenario") \
            in done.stdout


def test_a_failing_run_keeps_the_previous_results(tmp_path):
    out = tmp_path / "kept.h5"
    assert custsim("run", "scenarios/bass.yaml", "-o", out, "--set", "days=2",
                   "--quiet").returncode == 0
    before = out.read_bytes()
    done = custsim("run", "scenarios/bass.yaml", "-o", out, "--set", "dt=-1")
    assert done.returncode == 2
    assert "dt: must be a finite number > 0 and <= 1, got -1" in done.stderr
    assert out.read_bytes() == before


def test_interrupted_run_exits_130_and_keeps_the_previous_results(tmp_path):
    out = tmp_path / "kept.h5"
    assert custsim("run", "scenarios/bass.yaml", "-o", out, "--set", "days=2",
                   "--quiet").returncode == 0
    before = out.read_bytes()
    process = subprocess.Popen([BIN, "run", "scenarios/baseline.yaml", "-o", str(out),
                                "--replicates", "50", "--quiet"], cwd=ROOT,
                               stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "interrupted" in stderr
    assert out.read_bytes() == before
    assert not list(tmp_path.glob("*.tmp*"))


def test_bad_usage_exits_2():
    assert custsim("run").returncode == 2
    assert custsim("frobnicate").returncode == 2
    assert custsim("run", "scenarios/bass.yaml", "--threads", "many").returncode == 2


def test_missing_file_exits_2():
    done = custsim("run", "no/such.yaml")
    assert done.returncode == 2
    assert "no/such.yaml: cannot open the scenario file" in done.stderr


@pytest.mark.parametrize("command", ["run", "validate", "graph-stats", "bench", "kpis", "export"])
def test_every_command_has_help(command):
    done = custsim(command, "--help")
    assert done.returncode == 0
    assert "Usage" in done.stdout or "usage" in done.stdout.lower()


def test_graph_stats_of_an_edge_list():
    done = custsim("graph-stats", "data/facebook_combined.txt.gz")
    assert done.returncode == 0, done.stderr
    assert "customers      4039" in done.stdout
    assert "ties           88234" in done.stdout
    assert "components     1;" in done.stdout


def test_graph_stats_of_a_scenario_graph():
    done = custsim("graph-stats", "scenarios/baseline.yaml", "--set", "population.customers=2000")
    assert done.returncode == 0, done.stderr
    assert "customers      2000" in done.stdout
    assert "mean 10.00" in done.stdout


def test_bench_reports_rates():
    done = custsim("bench", "--customers", 20000, "--days", 3, "--threads", "1,2")
    assert done.returncode == 0, done.stderr
    assert "agent-steps/s" in done.stdout and "peak memory" in done.stdout
    rows = [line.split() for line in done.stdout.splitlines() if line.strip()[:1] in "12"]
    assert [row[0] for row in rows] == ["1", "2"]
    assert all(float(row[2]) > 0 for row in rows)


# The journey model's results file: /channels, /brands and /markets next to /timeseries.
CHANNELS = ["tv", "search", "social", "influencer", "email", "store", "packaging"]
BRANDS = ["focal", "rival"]
JOURNEY_KPIS = ("aware", "considering", "customers", "adopted", "market_share", "revenue",
                "media_cost", "service_cost", "profit", "nps", "wom_positive", "wom_negative",
                "complaints_opened", "complaints_resolved", "churned", "consented", "known")
COSTS = ("media_cost", "service_cost", "retention_cost", "it_cost", "data_cost", "entry_cost",
         "regulatory_cost",
         "ambassador_cost")
CUMULATIVE = ("revenue", "media_cost", "complaints_opened", "churned")
SMALL = ("--set", "population.customers=5000", "--set", "days=30", "--replicates", 2,
         "--seed", 3, "--quiet")


def run_small(scenario, out):
    done = custsim("run", scenario, "-o", out, *SMALL)
    assert done.returncode == 0, done.stderr
    return h5py.File(out, "r")


@pytest.fixture(scope="module")
def journey(tmp_path_factory):
    with run_small("scenarios/baseline.yaml", tmp_path_factory.mktemp("journey") / "b.h5") as f:
        yield f


@pytest.fixture(scope="module")
def two_markets(tmp_path_factory):
    with run_small("scenarios/two_markets.yaml", tmp_path_factory.mktemp("two") / "t.h5") as f:
        yield f


def names(attribute):
    return [n.decode() if isinstance(n, bytes) else str(n) for n in attribute]


def test_journey_file_has_the_root_attributes_and_time(journey):
    assert journey.attrs["custsim_version"]
    assert isinstance(journey.attrs["scenario_yaml"], str)
    assert "name: baseline" in journey.attrs["scenario_yaml"]
    assert journey.attrs["seed"] == 3
    assert journey.attrs["replicates"] == 2
    assert journey.attrs["population"] == 5000
    time_ = journey["time"][:]
    assert time_.shape == (31,) and time_[0] == 0 and time_[-1] == 30
    assert np.all(np.diff(time_) > 0)


def test_journey_datasets_have_the_documented_shapes(journey):
    points = journey["time"].shape[0]
    for kpi in JOURNEY_KPIS:
        assert journey["timeseries"][kpi].shape == (2, points), kpi
        assert journey["timeseries"][kpi].dtype == np.float64, kpi
    for kpi in ("spend", "exposures", "last_touch_conversions"):
        assert journey["channels"][kpi].shape == (2, points, len(CHANNELS)), kpi
    for kpi in ("aware", "customers"):
        assert journey["brands"][kpi].shape == (2, points, len(BRANDS)), kpi
    for kpi in ("aware", "customers", "revenue"):
        assert journey["markets"][kpi].shape == (2, points, 1), kpi
    for kpi in ("clv", "roi", "cac", *CUMULATIVE):
        assert journey["final"][kpi].shape == (2,), kpi
        assert np.all(np.isfinite(journey["final"][kpi][:])), kpi


def test_journey_names_attributes_follow_the_scenario_order(journey, two_markets):
    assert names(journey["channels"].attrs["names"]) == CHANNELS
    for kpi in ("spend", "exposures", "last_touch_conversions"):
        assert names(journey["channels"][kpi].attrs["channels"]) == CHANNELS, kpi
    assert names(journey["brands"].attrs["names"]) == BRANDS
    for kpi in ("aware", "customers"):
        assert names(journey["brands"][kpi].attrs["brands"]) == BRANDS, kpi
    assert names(journey["markets"].attrs["names"]) == ["home"]
    assert names(two_markets["markets"].attrs["names"]) == ["home", "abroad"]
    for kpi in ("aware", "customers", "revenue"):
        assert names(two_markets["markets"][kpi].attrs["markets"]) == ["home", "abroad"], kpi
        assert two_markets["markets"][kpi].shape == (2, two_markets["time"].shape[0], 2), kpi


def test_journey_cumulative_kpis_never_decrease(journey):
    for kpi in CUMULATIVE:
        series = journey["timeseries"][kpi][:]
        assert np.all(np.diff(series, axis=1) >= 0), kpi
    for kpi in ("spend", "exposures"):
        series = journey["channels"][kpi][:]
        assert np.all(np.diff(series, axis=1) >= 0), kpi
    # the runs must actually spend and sell, or the checks above prove little
    assert np.all(journey["timeseries/media_cost"][:, -1] > 0)
    assert np.all(journey["timeseries/revenue"][:, -1] > 0)


def test_journey_media_cost_is_the_spend_summed_over_channels(journey):
    spend = journey["channels/spend"][:].sum(axis=2)
    np.testing.assert_allclose(journey["timeseries/media_cost"][:], spend, rtol=1e-9, atol=0)


def test_journey_focal_brand_customers_are_the_customers(journey):
    np.testing.assert_array_equal(journey["brands/customers"][:, :, 0],
                                  journey["timeseries/customers"][:])


def test_journey_market_customers_add_up_to_the_customers(two_markets):
    by_market = two_markets["markets/customers"][:]
    assert np.all(by_market[:, -1, :] > 0), "both markets should have customers by day 30"
    np.testing.assert_allclose(by_market.sum(axis=2), two_markets["timeseries/customers"][:],
                               rtol=1e-9, atol=0)


def test_journey_profit_is_margin_minus_costs(journey):
    series = journey["timeseries"]
    costs = sum(series[kpi][:, -1] for kpi in COSTS)
    np.testing.assert_allclose(series["profit"][:, -1], series["margin"][:, -1] - costs,
                               rtol=1e-9, atol=1e-9)
    costs = sum(journey["final"][kpi][:] for kpi in COSTS)
    np.testing.assert_allclose(journey["final/profit"][:], journey["final/margin"][:] - costs,
                               rtol=1e-9, atol=1e-9)


def test_journey_final_values_are_the_last_point_of_cumulative_kpis(journey):
    for kpi in (*CUMULATIVE, *COSTS, "margin", "profit"):
        np.testing.assert_array_equal(journey["final"][kpi][:],
                                      journey["timeseries"][kpi][:, -1], err_msg=kpi)


def test_bass_run_keeps_the_old_layout_without_channels(tmp_path):
    out = tmp_path / "bass.h5"
    done = custsim("run", "scenarios/bass.yaml", "-o", out, "--set", "days=5", "--quiet")
    assert done.returncode == 0, done.stderr
    with h5py.File(out) as f:
        assert "channels" not in f
        assert "timeseries" in f and "final" in f


def registered_paths(model):
    """The results-file paths `custsim kpis` lists for a model ("instant" or "journey")."""
    done = custsim("kpis")
    assert done.returncode == 0, done.stderr
    paths = set()
    for line in done.stdout.splitlines()[1:]:
        path, _kind, which = line.split()[:3]
        if which in (model, "both"):
            paths.add(path)
            if path.startswith("/timeseries/"):
                paths.add(path.replace("/timeseries/", "/final/"))
    return paths


def datasets(f):
    out = set()
    f.visititems(lambda name, item: out.add("/" + name) if isinstance(item, h5py.Dataset) else None)
    return out - {"/time"}


def test_the_results_file_holds_exactly_the_registered_kpis(journey, tmp_path):
    assert datasets(journey) == registered_paths("journey")
    out = tmp_path / "bass.h5"
    assert custsim("run", "scenarios/bass.yaml", "-o", out, "--set", "days=2",
                   "--quiet").returncode == 0
    with h5py.File(out) as f:
        assert datasets(f) == registered_paths("instant")


def test_kpis_markdown_is_the_table_in_the_docs():
    done = custsim("kpis", "--markdown")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("| results file |")
    assert done.stdout in (ROOT / "docs" / "kpis.md").read_text()
