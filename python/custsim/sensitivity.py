"""Sensitivity analysis: which scenario keys move a KPI (docs/sensitivity.md).

    import custsim
    s = custsim.load_scenario("scenarios/baseline.yaml", population__customers=20000)
    r = custsim.sensitivity(s, keys={"brands.focal.price": (10, 14),
                                     "word_of_mouth.rate": (0.0025, 0.01)},
                            kpi="profit", method="sobol", samples=32, replicates=2)
    r.table        # one row per key, most important first, with 95 % intervals
    r.tornado()    # the same as bars
"""
from __future__ import annotations

import math
import os
from numbers import Real

import numpy as np

from . import _core

_DEFAULT_SAMPLES = {"morris": 10, "sobol": 64}


def _check_keys(keys):
    if not isinstance(keys, dict) or not keys:
        raise ValueError("keys: give a dict of scenario key -> (low, high), e.g. "
                         "{'brands.focal.price': (10, 14)}")
    out = []
    for key, ends in keys.items():
        if not isinstance(key, str) or not isinstance(ends, (tuple, list)) or len(ends) != 2 \
                or not all(isinstance(x, Real) and not isinstance(x, bool) for x in ends):
            raise ValueError(f"keys[{key!r}]: must be a pair of numbers (low, high), "
                             f"got {ends!r}")
        low, high = float(ends[0]), float(ends[1])
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"keys[{key!r}]: LOW must be below HIGH, both finite, got {ends!r}")
        out.append((key, low, high))
    return out


def _whole(value, name, smallest):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < smallest:
        raise ValueError(f"{name}: must be a whole number from {smallest}, got {value!r}")
    return int(value)


class Sensitivity:
    """A sensitivity analysis of one KPI: ``table`` (a DataFrame, one row per key, most
    important first), ``design`` (the points run, one column per key), ``outputs`` (the KPI's
    final value at each point, mean over replicates), ``replicates`` ([points x replicates]),
    ``method``, ``kpi`` and ``tornado()``."""

    def __init__(self, raw, keys, kpi, method):
        import pandas as pd
        self.kpi, self.method = kpi, method
        self.samples = raw["samples"]
        names = [k for k, _, _ in keys]
        self.design = pd.DataFrame(raw["points"], columns=names)
        self.outputs = raw["outputs"]
        self.replicates = raw["replicates"]
        self.scenario_yaml = raw["scenario_yaml"]
        table = pd.DataFrame({"low": [lo for _, lo, _ in keys],
                              "high": [hi for _, _, hi in keys]}, index=names)
        table.index.name = "key"
        if method == "morris":
            for part in ("value", "low", "high"):
                table["mu_star" + ("" if part == "value" else "_" + part)] = \
                    [e[part] for e in raw["mu_star"]]
            table["mu"], table["sigma"] = raw["mu"], raw["sigma"]
            self.importance = "mu_star"
        else:
            for kind in ("first", "total"):
                for part in ("value", "low", "high"):
                    table[kind + ("" if part == "value" else "_" + part)] = \
                        [e[part] for e in raw[kind]]
            self.mean, self.variance = raw["mean"], raw["variance"]
            self.importance = "total"
        self.table = table.sort_values(self.importance, ascending=False, kind="stable")

    def tornado(self, ax=None):
        """Horizontal bars of each key's index with its 95 % interval, the most important on
        top: mu* for Morris; total (and first-order, narrower) for Sobol. Returns the axes.
        The same drawing as ``custsim sensitivity --plot`` (``custsim.plots.tornado_axes``)."""
        import matplotlib.pyplot as plt
        from .plots import tornado_axes
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 1 + 0.45 * len(self.table)))
        t = self.table
        kinds = [("mu_star", "mu*")] if self.method == "morris" else \
            [("total", "total"), ("first", "first-order")]
        bars = [{"label": label, "values": list(t[kind]), "low": list(t[kind + "_low"]),
                 "high": list(t[kind + "_high"])} for kind, label in kinds]
        unit = f"change of {self.kpi} over the key's range" if self.method == "morris" \
            else f"share of the variance of {self.kpi}"
        title = (f"{self.kpi}: {'Morris mu*' if self.method == 'morris' else 'Sobol indices'}"
                 f" with 95 % intervals")
        return tornado_axes(ax, list(t.index), bars, unit, title)

    def __repr__(self):
        return (f"Sensitivity({self.method}, {self.kpi}, {len(self.table)} keys, "
                f"{len(self.outputs)} runs)")


def sensitivity(scenario, keys, kpi, method="morris", samples=None, replicates=None, seed=None,
                levels=4, sampling="quasi_random", bootstrap=1000, parallel_runs=False, threads=0,
                force=False, versus=None):
    """Varies each scenario key over its (low, high) range and measures the KPI's final value
    (mean over replicates), every run with the scenario's seed (common random numbers).
    ``method`` "morris" (``samples`` trajectories, default 10, on ``levels`` grid levels:
    samples x (keys + 1) runs) or "sobol" (``samples`` base samples, default 64, best a power
    of 2: samples x (keys + 2) runs; ``sampling`` "quasi_random" or "random"). ``bootstrap``
    resamples give the 95 % intervals. ``parallel_runs`` runs ``threads`` evaluations at once,
    one thread each (the same numbers). ``versus`` (a scenario B) makes the output a paired
    difference, B's KPI minus the scenario's, both run at each point with the same seed (twice
    the runs). Returns a Sensitivity; bad keys, ranges or KPIs raise ValueError before any
    run."""
    from . import _check_threads, _resolve
    if method not in _DEFAULT_SAMPLES:
        raise ValueError(f"method: must be morris or sobol, got {method!r}")
    checked = _check_keys(keys)
    samples = _DEFAULT_SAMPLES[method] if samples is None else _whole(samples, "samples", 2)
    levels = _whole(levels, "levels", 2)
    bootstrap = _whole(bootstrap, "bootstrap", 0)
    threads = _check_threads(threads)
    s = _resolve(scenario, replicates, seed)
    b = _resolve(versus, replicates, seed) if versus is not None else None
    if not force:
        runs = samples * (len(checked) + (1 if method == "morris" else 2)) * (2 if b else 1)
        at_once = (threads or os.cpu_count() or 1) if parallel_runs else 1
        _core.check_run_size(s._core, float(runs), int(at_once))
    raw = _core.sensitivity(s._core, checked, str(kpi), method, samples, levels, sampling,
                            bootstrap, bool(parallel_runs), threads, b._core if b else None)
    return Sensitivity(raw, checked, str(kpi), method)
