"""custsim.sensitivity: the binding's table, design and outputs against the command line's file,
the tornado plot, the design and estimates for a function of one's own, and errors."""
import os
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

import custsim
from custsim import _core

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("CUSTSIM_BIN", str(ROOT / "build/release/core/custsim"))
BASELINE = ROOT / "scenarios" / "baseline.yaml"
KEYS = {"brands.focal.price": (10, 14), "journey.discount_rate": (0.05, 0.2)}


def small():
    return custsim.load_scenario(BASELINE, population__customers=2000, days=30)


def test_sobol_matches_the_command_line_and_draws_a_tornado(tmp_path):
    r = custsim.sensitivity(small(), KEYS, "profit", method="sobol", samples=4, replicates=2,
                            bootstrap=100, threads=1)
    out = tmp_path / "s.h5"
    done = subprocess.run([BIN, "sensitivity", str(BASELINE), "--set",
                           "population.customers=2000", "--set", "days=30", "--replicates", "2",
                           "--keys", "brands.focal.price=10:14", "journey.discount_rate=0.05:0.2",
                           "--kpi", "profit", "--method", "sobol", "--samples", "4",
                           "--bootstrap", "100", "--threads", "1", "-o", str(out), "--quiet"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    with h5py.File(out) as f:
        np.testing.assert_array_equal(r.design.to_numpy(), f["design/points"][:])
        np.testing.assert_array_equal(r.outputs, f["outputs/mean"][:])
        np.testing.assert_array_equal(r.replicates, f["outputs/replicates"][:])
        table = r.table.loc[list(KEYS)]
        for kind in ("first", "total"):
            np.testing.assert_array_equal(table[kind], f[f"indices/{kind}"][:])
            np.testing.assert_array_equal(table[kind + "_high"], f[f"indices/{kind}_high"][:])
    assert list(r.table.index)[0] == "brands.focal.price"  # most important first
    assert r.table.loc["journey.discount_rate", "total"] == 0  # no effect on profit at all
    assert list(r.design.columns) == list(KEYS) and len(r.outputs) == 4 * (2 + 2)
    import matplotlib
    matplotlib.use("Agg")
    ax = r.tornado()
    assert len(ax.patches) == 2 * 2  # total and first-order bars for each key
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "brands.focal.price"  # on top


def test_morris_table_and_tornado():
    r = custsim.sensitivity(small(), KEYS, "purchases", samples=3, replicates=1, bootstrap=50,
                            parallel_runs=True, threads=2)
    assert list(r.table.columns) == ["low", "high", "mu_star", "mu_star_low", "mu_star_high",
                                     "mu", "sigma"]
    assert r.table.loc["journey.discount_rate", "mu_star"] == 0
    assert r.table.loc["brands.focal.price", "mu_star"] > 0
    assert len(r.outputs) == 3 * 3
    import matplotlib
    matplotlib.use("Agg")
    assert len(r.tornado().patches) == 2


def test_a_function_of_ones_own_through_the_design_and_the_estimates():
    keys = [("x1", 0.0, 1.0), ("x2", 1.0, 5.0)]
    unit = _core.sensitivity_design(keys, "morris", 5, 4, "quasi_random", 3)
    assert unit.shape == (5 * 3, 2)
    x = np.array([lo for _, lo, _ in keys]) + unit * np.array([hi - lo for _, lo, hi in keys])
    y = 2 * x[:, 0] - 3 * x[:, 1]
    out = _core.sensitivity_indices(keys, "morris", 5, 4, "quasi_random", 3, list(y), 10)
    np.testing.assert_allclose([e["value"] for e in out["mu_star"]], [2, 12], rtol=1e-12)


def test_bad_arguments_raise_value_error():
    s = small()
    with pytest.raises(ValueError, match="pair of numbers"):
        custsim.sensitivity(s, {"brands.focal.price": 10}, "profit")
    with pytest.raises(ValueError, match="LOW must be below HIGH"):
        custsim.sensitivity(s, {"brands.focal.price": (14, 10)}, "profit")
    with pytest.raises(ValueError, match="method"):
        custsim.sensitivity(s, KEYS, "profit", method="fast")
    with pytest.raises(ValueError, match="did you mean profit"):
        custsim.sensitivity(s, KEYS, "proft")
    with pytest.raises(ValueError, match="unknown key"):
        custsim.sensitivity(s, {"brands.focal.prize": (1, 2)}, "profit")
    with pytest.raises(ValueError, match="samples"):
        custsim.sensitivity(s, KEYS, "profit", samples=1)


def test_versus_makes_the_output_a_paired_difference():
    a = small()
    b = small()
    b["brands.focal.price"] = 11
    keys = {"journey.decide_rate": (0.05, 0.2), "journey.discount_rate": (0.05, 0.2)}
    paired = custsim.sensitivity(a, keys, "profit", samples=2, bootstrap=10, replicates=2,
                                 versus=b)
    alone = custsim.sensitivity(a, keys, "profit", samples=2, bootstrap=10, replicates=2)
    cut = custsim.sensitivity(b, keys, "profit", samples=2, bootstrap=10, replicates=2)
    np.testing.assert_allclose(paired.outputs, cut.outputs - alone.outputs, rtol=1e-12, atol=1e-9)
    itself = custsim.sensitivity(a, keys, "profit", samples=2, bootstrap=10, replicates=2,
                                 versus=a)
    assert np.all(itself.outputs == 0)
