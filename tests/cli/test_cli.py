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
        assert "valid scenario" in done.stdout


def test_a_failing_run_keeps_the_previous_results(tmp_path):
    out = tmp_path / "kept.h5"
    assert custsim("run", "scenarios/bass.yaml", "-o", out, "--set", "days=2",
                   "--quiet").returncode == 0
    before = out.read_bytes()
    done = custsim("run", "scenarios/bass.yaml", "-o", out, "--set", "dt=-1")
    assert done.returncode == 2
    assert "dt: must be a finite number > 0, got -1" in done.stderr
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


@pytest.mark.parametrize("command", ["run", "validate", "graph-stats", "bench"])
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
