"""custsim.optimise: the binding gives the command line's answer, and refuses bad arguments."""
import os
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

import custsim

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("CUSTSIM_BIN", str(ROOT / "build/release/core/custsim"))
SETS = {"population.customers": 2000, "days": 90, "population.represents": 0}


def test_optimise_agrees_with_the_command_line(tmp_path):
    s = custsim.load_scenario(ROOT / "scenarios/baseline.yaml", **SETS)
    out = tmp_path / "py.h5"
    result = custsim.optimise(s, 10000, "tv,search,agents", min={"agents": 1000},
                              evaluations=10, max_replicates=4, threads=2, output=out)
    assert result["levers"] == ["tv", "search", "agents"]
    assert result["allocation"].sum() == pytest.approx(10000, rel=1e-12)
    assert result["allocation"][2] >= 1000
    assert result["objective"]["low"] <= result["objective"]["mean"] <= result["objective"]["high"]
    assert len(result["marginal"]) == 3 and "stopped: " in result["summary_text"]
    cli = tmp_path / "cli.h5"
    sets = [a for k, v in SETS.items() for a in ("--set", f"{k}={v}")]
    done = subprocess.run([BIN, "optimise", "scenarios/baseline.yaml", *sets, "--budget", "10000",
                           "--levers", "tv,search,agents", "--min", "agents=1000",
                           "--evaluations", "10", "--max-replicates", "4", "--quiet", "-o",
                           str(cli)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    with h5py.File(cli) as f, h5py.File(out) as g:
        np.testing.assert_array_equal(f["optimum/allocation"][:], result["allocation"])
        np.testing.assert_array_equal(g["evaluations/mean"][:], f["evaluations/mean"][:])


def test_optimise_holds_market_budgets():
    s = custsim.load_scenario(ROOT / "scenarios/two_markets.yaml", **SETS)
    result = custsim.optimise(s, None, "tv@home,social@home,tv@abroad",
                              market_budget={"home": 6000, "abroad": 2000}, evaluations=6,
                              max_replicates=2, polish=0)
    assert result["budget"] == 8000 and result["market_budgets"] == {"home": 6000, "abroad": 2000}
    assert result["budget_market"] == ["home", "home", "abroad"]
    assert result["allocation"][:2].sum() == pytest.approx(6000, rel=1e-12)
    assert result["allocation"][2] == pytest.approx(2000, rel=1e-12)
    with pytest.raises(ValueError, match="market_budget: a dict of market -> money"):
        custsim.optimise(s, None, "tv@home", market_budget=[1])


def test_optimise_refuses_bad_arguments():
    s = custsim.load_scenario(ROOT / "scenarios/baseline.yaml", **SETS)
    with pytest.raises(ValueError, match="--levers: 'radio' is not a lever"):
        custsim.optimise(s, 1000, ["radio"])
    with pytest.raises(ValueError, match="min: a dict of lever -> money"):
        custsim.optimise(s, 1000, ["tv"], min=[1])
    with pytest.raises(ValueError, match="evaluations: must be a whole number"):
        custsim.optimise(s, 1000, ["tv"], evaluations=-1)
