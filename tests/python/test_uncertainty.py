"""custsim.compare, response and levers over parameter draws: the same numbers as the command
line, their columns, and the refusals."""
import os
import subprocess
from pathlib import Path

import pytest

import custsim

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("CUSTSIM_BIN", str(ROOT / "build/release/core/custsim"))
SMALL = {"population__customers": 2000, "days": 30, "replicates": 2, "population__represents": 0}
CPM = [{"key": "channels.tv.cpm", "low": 4, "high": 16}]


def scenario(**more):
    s = custsim.load_scenario(ROOT / "scenarios" / "baseline.yaml", **SMALL, **more)
    s["uncertain"] = CPM
    return s


def test_compare_over_draws_matches_the_command_line(tmp_path):
    a = scenario()
    b = scenario(brands__focal__media__tv__spend_per_day=120)
    frame = custsim.compare(a, b, draws=3)
    assert {"mean", "low", "high", "parameter_sd", "noise_sd", "parameter_share",
            "above_zero", "draws"} <= set(frame.columns)
    assert (frame["draws"] == 3).all()
    assert (frame["low"] <= frame["mean"]).all() and (frame["mean"] <= frame["high"]).all()
    # The command line, given the same scenarios as files, prints the same mean difference.
    (tmp_path / "a.yaml").write_text(a._core.to_yaml())
    (tmp_path / "b.yaml").write_text(b._core.to_yaml())
    table = tmp_path / "c.csv"
    done = subprocess.run([BIN, "compare", tmp_path / "a.yaml", tmp_path / "b.yaml",
                           "--draws", "3", "--kpis", "aware", "--csv", table, "--quiet"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    line = table.read_text().splitlines()[1].split(",")
    assert line[1] == "aware"
    assert float(line[5]) == pytest.approx(frame.loc["aware", "mean"], rel=1e-12)


def test_levers_with_and_without_draws():
    plain = custsim.levers(custsim.load_scenario(ROOT / "scenarios" / "baseline.yaml", **SMALL))
    assert "tv" in plain.index and "profit_per_unit_mean" in plain.columns
    drawn = custsim.levers(scenario(), draws=2)
    assert list(drawn.index) == list(plain.index)
    assert (drawn["profit_draws"] == 2).all()


def test_draws_without_a_source_is_refused():
    s = custsim.load_scenario(ROOT / "scenarios" / "baseline.yaml", **SMALL)
    with pytest.raises(ValueError, match="needs posterior="):
        custsim.compare(s, s, draws=3)
    with pytest.raises(ValueError, match="whole number"):
        custsim.response(scenario(), "tv", [0, 10], draws=0)
