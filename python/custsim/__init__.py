"""custsim: simulate connected customers on their journey, from Python.

    import custsim
    s = custsim.load_scenario("scenarios/baseline.yaml")
    s["brands.focal.price"] = 14
    r = custsim.run(s, replicates=3)
    r.to_pandas()            # tidy: replicate, day, kpi, value
    r.summary()              # final KPIs: mean and 95 % interval

The engine is the private extension ``custsim._core``; this module is the API. Bad input raises
``ValueError`` with the command line's message. Long calls release the GIL.
"""
from __future__ import annotations

import math
import sys
import time as _time
from pathlib import Path

import numpy as np

from . import _core

__version__ = _core.__version__
__all__ = ["Scenario", "Results", "Simulation", "load_scenario", "run", "read_results",
           "compare", "attribute", "response", "levers", "sweep", "sweep_yaml", "read_sweep",
           "kpi_registry"]

_T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
        2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
        2.056, 2.052, 2.048, 2.045, 2.042]


def _t95(df):
    return _T95[df - 1] if 1 <= df <= 30 else 1.96


def kpi_registry():
    """Every KPI the engine knows, as dicts: ``name`` (dataset name), ``key`` (key in
    ``Simulation.kpis``, or in ``ratios`` for end-of-run ratios), ``kind`` (stock, flow, ratio),
    ``per`` (scalar, channel, brand, market), ``model`` (instant, journey, both), ``group``
    (customers, money, service, word of mouth, data: how ``custsim compare`` groups it),
    ``headline`` (shown first in its group), ``unit``,
    ``format``, ``label``, ``description``, ``path`` (in the results file), ``final_only``,
    ``scales_with_population`` (a count or money: the market's figure is the sample's times
    ``Results.market_scale``)."""
    return _core.kpi_registry()


def _yaml_scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, dict)):
        import json
        return json.dumps(value)  # JSON is YAML
    if isinstance(value, float) and math.isinf(value):
        return ".inf"
    return str(value)


def _split_key(key):
    parts = []
    for piece in key.replace("[", ".[").split("."):
        if piece:
            parts.append(piece)
    return parts


def _named_item(items, name, key, walked):
    """The item of a list that a name addresses, as ``--set`` finds it: the one whose ``name``
    it is or, in a brand's ``media``, the one flight on that channel (several flights on the
    channel are refused with their positions)."""
    flights = walked == "media" or walked.endswith(".media")
    naming = "channel" if flights else "name"
    found = [i for i, item in enumerate(items)
             if isinstance(item, dict) and item.get(naming) == name]
    names = list(dict.fromkeys(item.get(naming) for item in items if isinstance(item, dict)
                               and naming in item))
    if not found:
        what = f"no flight on channel '{name}'" if flights else f"no item named '{name}'"
        raise KeyError(f"{key}: {walked} has {what} (known: {', '.join(names) or 'none'})")
    if len(found) > 1:
        raise KeyError(f"{key}: {len(found)} flights are on channel '{name}'; address one by "
                       f"position: " + ", ".join(f"{walked}[{i}]" for i in found))
    return items[found[0]]


class Scenario:
    """A scenario file plus changes, read and changed by dotted key.

    ``s["brands.focal.price"]``, ``s["channels[0].cpm"]`` or ``s["channels.tv.cpm"]`` read a value;
    a brand's flights go by channel: ``s["brands.focal.media.tv.spend_per_day"]``. Assigning one
    checks the whole scenario again (a bad value raises ValueError at once).
    """

    def __init__(self, path, overrides=()):
        self.path = str(path)
        self._overrides = list(overrides)
        self._core = _core.load_scenario(self.path, self._overrides)

    def __getitem__(self, key):
        import yaml
        node = yaml.safe_load(self._core.to_yaml())
        walked = []
        for part in _split_key(key):
            if part.startswith("["):
                if not isinstance(node, list) or int(part[1:-1]) >= len(node):
                    raise KeyError(f"{key}: {'.'.join(walked)} has no item {part}")
                node = node[int(part[1:-1])]
            elif isinstance(node, list):
                node = _named_item(node, part, key, ".".join(walked))
            else:
                if not isinstance(node, dict) or part not in node:
                    raise KeyError(f"{key}: no key '{part}'")
                node = node[part]
            walked.append(part)
        return node

    def __setitem__(self, key, value):
        overrides = self._overrides + [f"{key}={_yaml_scalar(value)}"]
        self._core = _core.load_scenario(self.path, overrides)
        self._overrides = overrides

    def copy(self):
        return Scenario(self.path, self._overrides)

    @property
    def overrides(self):
        return list(self._overrides)

    def to_yaml(self):
        return self._core.to_yaml()

    name = property(lambda self: self._core.name)
    seed = property(lambda self: self._core.seed)
    replicates = property(lambda self: self._core.replicates)
    days = property(lambda self: self._core.days)
    customers = property(lambda self: self._core.customers)
    channels = property(lambda self: list(self._core.channels))
    brands = property(lambda self: list(self._core.brands))

    def __repr__(self):
        return f"Scenario({self.path!r}, {len(self._overrides)} changes: {self.name})"


def load_scenario(path, **changes):
    """Reads a scenario file; keyword changes use ``__`` for dots: ``days=90``."""
    s = Scenario(path)
    for key, value in changes.items():
        s[key.replace("__", ".")] = value
    return s


class Results:
    """The KPIs of a run: arrays shaped as in the HDF5 file."""

    def __init__(self, time, timeseries, final, channels=None, brands=None, markets=None,
                 channel_names=(), brand_names=(), market_names=(), scenario_yaml="", seed=0,
                 population=0, represents=0.0):
        self.time = np.asarray(time)
        self._timeseries = timeseries
        self._final = final
        self._channels = channels or {}
        self._brands = brands or {}
        self._markets = markets or {}
        self.channel_names = list(channel_names)
        self.brand_names = list(brand_names)
        self.market_names = list(market_names)
        self.scenario_yaml = scenario_yaml
        self.seed = seed
        self.population = population
        self.represents = represents

    @classmethod
    def _from_core(cls, r):
        return cls(r.time, r.timeseries, r.final, r.channels, r.brands, r.markets,
                   r.channel_names, r.brand_names, r.market_names, r.scenario_yaml, r.seed,
                   r.population, r.represents)

    @property
    def replicates(self):
        return next(iter(self._final.values())).shape[0]

    @property
    def kpis(self):
        return sorted(self._timeseries)

    def timeseries(self, kpi):
        """[replicates, points]"""
        return self._timeseries[kpi]

    def final(self, kpi):
        """[replicates]: the last day, and the end-of-run ratios (clv, roi, ...)"""
        return self._final[kpi]

    @property
    def market_scale(self):
        """People in the market per simulated customer (``population.represents`` over the
        customers; 1 when the customers are the market)."""
        if self.represents > 0 and self.population > 0:
            return self.represents / self.population
        return 1.0

    def market(self, kpi):
        """[replicates]: the final value for the whole market the customers stand for: counts
        and money times ``market_scale``; shares, scores and ratios as they are."""
        scales = {k["name"] for k in kpi_registry()
                  if k["per"] == "scalar" and k["scales_with_population"]}
        values = np.asarray(self._final[kpi])
        return values * self.market_scale if kpi in scales else values

    def channels(self, kpi):
        """[replicates, points, channels]"""
        return self._channels[kpi]

    def brands(self, kpi):
        """[replicates, points, brands]"""
        return self._brands[kpi]

    def markets(self, kpi):
        """[replicates, points, markets]"""
        return self._markets[kpi]

    def to_pandas(self):
        """A tidy frame: replicate, day, kpi, value."""
        import pandas as pd
        frames = []
        for kpi, values in self._timeseries.items():
            r, p = values.shape
            frames.append(pd.DataFrame({"replicate": np.repeat(np.arange(r), p),
                                        "day": np.tile(self.time, r), "kpi": kpi,
                                        "value": values.reshape(-1)}))
        return pd.concat(frames, ignore_index=True)

    def summary(self):
        """Final KPIs: mean and the 95 % interval of the mean over replicates."""
        import pandas as pd
        rows = []
        for kpi, values in sorted(self._final.items()):
            n = len(values)
            mean = float(np.mean(values))
            half = _t95(n - 1) * float(np.std(values, ddof=1)) / math.sqrt(n) if n > 1 else 0.0
            rows.append({"kpi": kpi, "mean": mean, "low": mean - half, "high": mean + half})
        return pd.DataFrame(rows).set_index("kpi")

    def __repr__(self):
        return (f"Results({self.replicates} replicates, {len(self.time)} points, "
                f"{len(self._timeseries)} KPIs)")


def _interactive():
    """In a Jupyter notebook, or standard error is a terminal."""
    shell = sys.modules.get("IPython")
    try:
        if shell is not None and "IPKernelApp" in shell.get_ipython().config:
            return True
    except AttributeError:  # IPython imported, but no shell running
        pass
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class _Progress:
    """Feeds a progress bar from the engine's ``progress(run, replicate, day)``: ``runs`` runs
    of ``replicates`` x ``days`` simulated days (one unit a simulated day of one replicate).

    ``progress`` is None (a bar when interactive: a notebook, or a terminal), False, True (a
    tqdm text bar on standard error), or a tqdm-like object (``total``, ``update(n)``) to feed,
    e.g. a ``tqdm(file=...)`` or a ``tqdm.notebook.tqdm()`` widget of one's own."""

    def __init__(self, progress, what, runs, replicates, days):
        if progress is None:
            progress = _interactive()
        self.total = float(runs * replicates * days)
        self.replicates, self.days = replicates, days
        self.position, self.offset, self.own = 0.0, 0.0, False
        if progress is False:
            self.bar = None
        elif progress is True:
            # tqdm's text bar, in a notebook too (redrawn in place in the cell's output): its
            # widget needs ipywidgets >= 7, and Debian's 6 breaks headless execution (nbclient).
            from tqdm import tqdm
            self.bar = tqdm(total=self.total, desc=what, unit="day", mininterval=0.5,
                            bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining}")
            self.own = True
        elif hasattr(progress, "update"):
            self.bar = progress
            if hasattr(progress, "reset"):
                progress.reset(total=self.total)
            else:
                progress.total = self.total
        else:
            raise ValueError(f"progress: must be None, True, False or a tqdm-like bar "
                             f"(with update(n)), got {progress!r}")

    @property
    def hook(self):
        """The callable for ``_core`` (None without a bar: the engine then only checks Ctrl-C)."""
        return self if self.bar is not None else None

    def __call__(self, run, replicate, day):
        self.advance(self.offset + (run * self.replicates + replicate) * self.days + day)

    def advance(self, to):
        to = min(max(to, self.position), self.total)
        if to > self.position:
            self.bar.update(to - self.position)
            self.position = to

    def next_run(self):
        """A sweep: the next point is a run of its own, after those done."""
        self.offset += self.replicates * self.days

    def __enter__(self):
        return self

    def __exit__(self, error, *_):
        if self.bar is not None:
            if error is None:
                self.advance(self.total)
            if self.own:
                self.bar.close()
        return False


def _resolve(scenario, replicates=None, seed=None):
    if isinstance(scenario, (str, Path)):
        scenario = Scenario(scenario)
    s = scenario.copy()
    if replicates is not None:
        s["replicates"] = replicates
    if seed is not None:
        s["seed"] = seed
    return s


def _check_threads(threads):
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)):
        raise ValueError(f"threads: must be a whole number from 0 (all cores) to "
                         f"{_core.max_threads}, got {threads!r}")
    if not 0 <= threads <= _core.max_threads:
        raise ValueError(f"threads: must be from 0 (all cores) to {_core.max_threads}, "
                         f"got {threads}")
    return int(threads)


def run(scenario, replicates=None, seed=None, threads=0, policy=None, every=7, force=False,
        progress=None):
    """Runs every replicate. ``policy(kpis, day)`` (optional) is called every ``every`` days
    with the current KPIs and returns the focal brand's spend per day by channel name (None:
    back to the scenario's plan). The engine's run loop calls it, so the results have the same
    layout as without a policy. A run larger than this machine's memory or the work limit
    raises ValueError unless ``force`` (docs/reliability.md). ``progress``: a bar (None: when
    interactive; True, False, or a tqdm-like bar to feed); Ctrl-C stops a run either way."""
    threads = _check_threads(threads)
    if isinstance(every, bool) or not isinstance(every, (int, float, np.number)) \
            or not math.isfinite(every) or every <= 0:
        raise ValueError(f"every: must be a number of days > 0, got {every!r}")
    s = _resolve(scenario, replicates, seed)
    if not force:
        _core.check_run_size(s._core)
    bar = _Progress(progress, "run", 1, s.replicates, s.days)
    if policy is None:
        with bar:
            return Results._from_core(_core.run_scenario(s._core, threads, progress=bar.hook))
    calls, spent = 0, 0.0

    def observe(sim):
        nonlocal calls, spent
        start = _time.perf_counter()
        _set_spend(sim, s.channels, policy(sim.kpis, sim.day))
        spent += _time.perf_counter() - start
        calls += 1
        return True

    with bar:
        results = Results._from_core(_core.run_scenario(s._core, threads, observe, float(every),
                                                        bar.hook))
    results.policy_calls = calls
    results.policy_seconds_per_call = spent / max(calls, 1)
    return results


def _set_spend(core_simulation, channels, spend):
    """The focal brand's spend per day by channel name from the next step on (others 0); None
    goes back to the scenario's media plan."""
    if spend is None:
        core_simulation.set_focal_spend([])
        return
    unknown = set(spend) - set(channels)
    if unknown:
        raise ValueError(f"unknown channels {sorted(unknown)}; the scenario has {channels}")
    core_simulation.set_focal_spend([float(spend.get(c, 0.0)) for c in channels])


class Simulation:
    """One replicate, stepped: ``step(n)``, ``day``, ``kpis`` and read-only zero-copy numpy
    views of the customer columns (``columns["recall"]`` is [customers, brands])."""

    def __init__(self, scenario, replicate=0, threads=0, force=False):
        self.scenario = _resolve(scenario)
        threads = _check_threads(threads)
        if not force:
            _core.check_run_size(self.scenario._core, 1.0 / self.scenario.replicates)
        self._sim = _core.Simulation(self.scenario._core, replicate, threads)

    def step(self, n=1):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"steps: must be a whole number >= 0, got {n!r}")
        self._sim.step(int(n))
        return self

    day = property(lambda self: self._sim.day)
    kpis = property(lambda self: self._sim.kpis)
    columns = property(lambda self: self._sim.columns)

    def ratios(self):
        """The end-of-run ratios (clv, clv_total, roi, cac, annual_margin, retention) as of now:
        what ``/final`` would hold if the run ended here (journey scenarios; empty otherwise)."""
        return self._sim.ratios()

    def set_spend(self, spend):
        """The focal brand's spend per day by channel name from the next step on (others 0);
        None goes back to the scenario's media plan."""
        _set_spend(self._sim, self.scenario.channels, spend)


def read_results(path):
    """Any results file written by ``custsim run`` (or ``Results`` written by the engine)."""
    return Results._from_core(_core.read_results(str(path)))


def _frame(rows):
    import pandas as pd
    flat = []
    for row in rows:
        out = {}
        for key, value in row.items():
            if isinstance(value, dict):
                for part, v in value.items():
                    out[f"{key}_{part}"] = v
            else:
                out[key] = value
        flat.append(out)
    return pd.DataFrame(flat)


def _draws(scenario, posterior, draws):
    """How many parameter draws an experiment repeats at: 0 when neither ``posterior`` nor the
    scenario's ``uncertain:`` keys give any (``draws`` alone is refused)."""
    if draws is not None and (int(draws) != draws or draws < 1):
        raise ValueError(f"draws: a whole number >= 1, got {draws!r}")
    count = int(draws) if draws is not None else 20
    _, points, _ = _core.experiment_draws(scenario._core, str(posterior or ""), count)
    if not points and draws is not None:
        raise ValueError("draws: needs posterior= (a calibration's file) or `uncertain:` keys "
                         "in the scenario to draw from")
    return len(points)


def compare(a, b, replicates=None, seed=None, threads=0, progress=None, posterior=None,
            draws=None):
    """Paired differences B - A of every final KPI under common random numbers (a DataFrame
    indexed by KPI: a, b, mean, low, high, sign_certain, variance_ratio). ``progress`` as in
    ``run`` (over the three runs: A, B, and B with another seed).

    With ``posterior`` (a file from ``calibrate``) or ``uncertain:`` keys in the scenario, the
    comparison is repeated at ``draws`` (default 20) parameter points and the interval includes
    parameter uncertainty: columns mean, low, high, parameter_sd, noise_sd, parameter_share,
    above_zero, draws (docs/uncertainty.md)."""
    sa, sb = _resolve(a, replicates, seed), _resolve(b, replicates, seed)
    threads = _check_threads(threads)
    count = _draws(sa, posterior, draws)
    if count:
        with _Progress(progress, "compare", 2 * count, sa.replicates, sa.days) as bar:
            rows = _core.compare_uncertain(sa._core, sb._core, str(posterior or ""), count,
                                           threads, bar.hook)
        return _frame(rows).set_index("kpi")
    with _Progress(progress, "compare", 3, sa.replicates, sa.days) as bar:
        rows, _, _ = _core.compare(sa._core, sb._core, threads, bar.hook)
    return _frame(rows).set_index("kpi")


def attribute(scenario, replicates=None, seed=None, threads=0, progress=None):
    """Each bought channel's incremental effect (run without it, same seed) beside last touch.
    ``progress`` as in ``run``."""
    s = _resolve(scenario, replicates, seed)
    threads = _check_threads(threads)
    bought = {f["channel"] for f in s["brands[0].media"]} if s.brands else set()
    with _Progress(progress, "attribute", 1 + len(bought), s.replicates, s.days) as bar:
        rows = _core.attribute(s._core, threads, bar.hook)
    return _frame(rows).set_index("channel")


def response(scenario, channel, spends_per_day, replicates=None, seed=None, threads=0,
             progress=None, posterior=None, draws=None):
    """Incremental KPIs of one channel's spend per day against none, with marginal ROI.
    ``progress`` as in ``run``; ``posterior`` and ``draws`` as in ``compare``."""
    s = _resolve(scenario, replicates, seed)
    spends = [float(x) for x in spends_per_day]
    if not spends:
        raise ValueError("spends_per_day: give at least one spend per day")
    threads = _check_threads(threads)
    count = _draws(s, posterior, draws)
    if count:
        with _Progress(progress, "response", (len(spends) + 1) * count, s.replicates,
                       s.days) as bar:
            rows = _core.response_uncertain(s._core, channel, spends, str(posterior or ""),
                                            count, threads, bar.hook)
        return _frame(rows)
    with _Progress(progress, "response", len(spends) + 1, s.replicates, s.days) as bar:
        rows = _core.response(s._core, channel, spends, threads, bar.hook)
    return _frame(rows)


def levers(scenario, replicates=None, seed=None, threads=0, progress=None, posterior=None,
           draws=None):
    """The focal brand's levers, each moved a step against the scenario (same seed): cost,
    profit and profit per currency unit put in, as ``custsim levers`` (a DataFrame indexed by
    lever). ``posterior`` and ``draws`` as in ``compare``."""
    s = _resolve(scenario, replicates, seed)
    threads = _check_threads(threads)
    bought = {f["channel"] for f in s["brands[0].media"]} if s.brands else set()
    runs = 7 + len(bought)
    count = _draws(s, posterior, draws)
    with _Progress(progress, "levers", runs * max(count, 1), s.replicates, s.days) as bar:
        if count:
            rows = _core.levers_uncertain(s._core, str(posterior or ""), count, threads,
                                          bar.hook)
        else:
            rows = _core.levers(s._core, threads, bar.hook)
    return _frame(rows).set_index("lever")


def _plain(value):
    """Numbers, text, lists and dicts as YAML writes them (numpy arrays and numbers as lists and
    numbers)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise ValueError(f"a sweep: {value!r} ({type(value).__name__}) is not a number, text, list "
                     f"or dict")


def sweep_yaml(spec, folder="."):
    """A sweep given as a dict (the keys of a sweep file: ``base``, ``set``, ``parameters``,
    ``derived``, ``design``, ...) as the text of a sweep file, for ``custsim sweep``. ``base``
    is a scenario file or a ``Scenario`` (its file, its changes put first in ``set``); a
    relative file is relative to the current folder and is written relative to ``folder``, where
    the file will be."""
    import os
    import yaml
    if not isinstance(spec, dict):
        raise ValueError(f"a sweep: must be a dict of a sweep file's keys, got {spec!r}")
    spec = dict(spec)
    base = spec.get("base")
    if isinstance(base, Scenario):
        spec["set"] = base.overrides + list(spec.get("set") or [])
        base = base.path
    if isinstance(base, (str, Path)):
        spec["base"] = os.path.relpath(os.path.abspath(base), os.path.abspath(folder))
    return yaml.safe_dump(_plain(spec), sort_keys=False, default_flow_style=False, width=100)


def _load_sweep(spec):
    if isinstance(spec, dict):
        return _core.parse_sweep(sweep_yaml(spec), "sweep (from a dict)", ".")
    return _core.load_sweep(str(spec))


def sweep(spec, threads=0, progress=None):
    """Runs a sweep in this process: a DataFrame of parameters and final KPIs, one row per point
    and replicate (``custsim sweep`` runs the same over MPI, resumably). ``spec`` is a sweep
    file, or a dict of its keys (``sweep_yaml``) whose ``base`` may be a ``Scenario``.
    ``progress`` as in ``run``."""
    import pandas as pd
    threads = _check_threads(threads)
    spec = _load_sweep(spec)
    points = _core.sweep_points(spec)
    scenarios = [_core.load_scenario(str(spec.base), _core.point_overrides(spec, values))
                 for values in points]
    rows = []
    first = scenarios[0]
    with _Progress(progress, "sweep", len(points), first.replicates, first.days) as bar:
        for i, (values, scenario) in enumerate(zip(points, scenarios)):
            r = _core.run_scenario(scenario, threads, progress=bar.hook)
            bar.next_run()
            final = r.final
            for rep in range(r.replicates):
                row = {"point": i, "replicate": rep}
                row.update(dict(zip(spec.parameters, values)))
                row.update({kpi: float(v[rep]) for kpi, v in final.items()})
                rows.append(row)
    return pd.DataFrame(rows)


def _check_file(path, refuse):
    """Checks a file custsim wrote against the CRC-32 line in its first 512 bytes, before h5py
    parses anything (HDF5 can crash or hang on damaged metadata)."""
    import zlib
    data = Path(path).read_bytes()
    head = data[:512].split(b"\n", 1)[0]
    fields = head.split(b" ")
    if len(data) < 512 or len(fields) != 3 or fields[0] != b"custsim-crc32":
        refuse("it has no custsim check line (not written by custsim, or by an older custsim)")
    if fields[1] != b"%08x" % zlib.crc32(data[512:]) or fields[2] != str(len(data)).encode():
        refuse("its bytes do not match the check line custsim wrote (damaged, truncated or "
               "edited since)")


def read_sweep(path):
    """A sweep's results file (from ``custsim sweep``, on any number of ranks) as a tidy
    DataFrame: point, replicate, the parameters and every final KPI."""
    import h5py
    import pandas as pd

    def refuse(what):
        raise ValueError(f"{path}: not a custsim sweep file, or damaged: {what}")

    _check_file(path, refuse)
    try:
        with h5py.File(path, "r") as f:
            for group in ("points", "final"):
                if not isinstance(f.get(group), h5py.Group):
                    refuse(f"no group /{group}")
            if not isinstance(f.get("done"), h5py.Dataset):
                refuse("no dataset /done")
            done = f["done"]
            if done.ndim != 1:
                refuse(f"/done has shape {done.shape}, expected [points]")
            points = done.shape[0]
            finals = {}
            for k, v in f["final"].items():
                if not isinstance(v, h5py.Dataset) or v.ndim != 2 or v.shape[0] != points \
                        or v.dtype.kind != "f":
                    refuse(f"/final/{k} must be numbers shaped [{points}, replicates]")
                finals[k] = v
            if not finals:
                refuse("no KPIs in /final")
            reps = next(iter(finals.values())).shape[1]
            for k, v in finals.items():
                if v.shape != (points, reps):
                    refuse(f"/final/{k} has shape {v.shape}, expected {(points, reps)}")
            params = {}
            for k, v in f["points"].items():
                if not isinstance(v, h5py.Dataset) or v.shape != (points,) \
                        or v.dtype.kind not in "fiu":
                    refuse(f"/points/{k} must be numbers shaped [{points}]")
                params[k] = v[:]
            finals = {k: v[:] for k, v in finals.items()}
            done = done[:]
    except (KeyError, TypeError) as error:
        refuse(str(error))
    frame = pd.DataFrame({"point": np.repeat(np.arange(points), reps),
                          "replicate": np.tile(np.arange(reps), points)})
    for k, v in params.items():
        frame[k] = np.repeat(v, reps)
    for k, v in finals.items():
        frame[k] = v.reshape(-1)
    frame["done"] = np.repeat(done, reps).astype(bool)
    return frame


class Calibration:
    """What :func:`calibrate` found: posterior ``samples`` (a DataFrame, one column per key),
    the whole ``chain`` (steps x walkers x keys) and its ``log_likelihood``, ``summary()`` (each
    key's median, 90 % interval and diagnostics), ``fit`` (each observation against its simulated
    counterpart at the posterior median, with the samples' 5-95 % band), ``acceptance``,
    ``burn_in``, ``thin``, ``evaluations``, ``seconds`` and ``method``; with the emulator method,
    ``emulator`` (a dict: its ``design`` and their ``log_likelihood``, ``length_scales``,
    ``noise_sd``, ``round_sd``, ``sd_at_samples``, ``converged``, and the check at the posterior
    samples simulated for ``fit``: ``check_log_likelihood``, ``check_mean``, ``check_sd``), else
    None."""

    def __init__(self, raw):
        import pandas as pd
        self.keys = [key for key, _, _ in raw["keys"]]
        self.prior = {key: (low, high) for key, low, high in raw["keys"]}
        self.samples = pd.DataFrame(raw["samples"], columns=self.keys)
        self.chain = raw["chain"]
        self.log_likelihood = raw["log_likelihood"]
        self.optimum = dict(zip(self.keys, raw["optimum"]))
        for name in ("acceptance", "burn_in", "thin", "evaluations", "seconds",
                     "optimum_log_likelihood", "method"):
            setattr(self, name, raw[name])
        self.emulator = raw.get("emulator")
        self._raw = raw
        fit = raw["fit"]
        self.fit = pd.DataFrame({name: fit[name] for name in
                                 ("series", "day", "from", "value", "median", "low", "high")})

    def summary(self):
        import pandas as pd
        raw = self._raw
        return pd.DataFrame({"median": raw["median"], "low": raw["low"], "high": raw["high"],
                             "autocorrelation_time": raw["autocorrelation_time"],
                             "effective_sample_size": raw["effective_sample_size"],
                             "r_hat": raw["r_hat"]}, index=pd.Index(self.keys, name="key"))

    def __str__(self):
        return self._raw["summary_text"]

    def __repr__(self):
        return (f"Calibration({len(self.keys)} keys, {len(self.samples)} samples, "
                f"{self.evaluations} evaluations)")


def calibrate(scenario, data, fit, replicates=None, walkers=0, steps=0, threads=0, output=None,
              method="ensemble", evaluations=0, tolerance=0.5):
    """Fits scenario keys to observed data (``custsim calibrate``, docs/calibration.md).
    ``data`` is the tidy CSV's path; ``fit`` maps each key to its uniform prior's box,
    ``{"word_of_mouth.rate": (0.001, 0.02)}``. Every evaluation runs ``replicates`` (default: the
    scenario's) with the scenario's seed; ``walkers`` 0 takes max(8, 4 x keys), ``steps`` 0
    takes 60. ``method="emulator"`` samples a Gaussian-process emulator of the log-likelihood
    instead of the simulator: ``evaluations`` simulator runs at most (0: 100 x keys + 20),
    refined until the emulator's sd at its posterior's samples is below ``tolerance``; then
    ``walkers`` 0 takes max(32, 8 x keys) and ``steps`` 0 takes 10 000. With ``output`` the
    posterior is also written there (HDF5). Returns a :class:`Calibration`."""
    s = _resolve(scenario, replicates)
    if not isinstance(fit, dict) or not fit:
        raise ValueError("fit: a dict of key -> (low, high), e.g. "
                         "{'word_of_mouth.rate': (0.001, 0.02)}")
    boxes = []
    for key, box in fit.items():
        try:
            low, high = (float(v) for v in box)
        except (TypeError, ValueError):
            raise ValueError(f"fit[{key!r}]: must be (low, high), got {box!r}") from None
        boxes.append((str(key), low, high))
    for name, value in (("walkers", walkers), ("steps", steps), ("evaluations", evaluations)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{name}: must be a whole number >= 0, got {value!r}")
    if method not in ("ensemble", "emulator"):
        raise ValueError(f"method: 'ensemble' or 'emulator', got {method!r}")
    raw = _core.calibrate(s._core, str(data), boxes, int(walkers), int(steps),
                          _check_threads(threads), "" if output is None else str(output),
                          method, int(evaluations), float(tolerance))
    return Calibration(raw)


def log_likelihood(scenario, data, replicates=None, threads=0):
    """One evaluation of :func:`calibrate`'s likelihood (docs/calibration.md): the scenario run
    as it stands (its seed, ``replicates``) against the tidy CSV ``data``. Returns a dict:
    ``log_likelihood``, and per observation (sorted by series and day, as the posterior file's
    /data) the observed ``value``, the simulated ``mean`` and the ``variance`` used (observation
    plus simulation). For profiles of the likelihood along a key, and for checks."""
    s = _resolve(scenario, replicates)
    return _core.log_likelihood(s._core, str(data), _check_threads(threads))


__all__ += ["Calibration", "calibrate", "log_likelihood"]


def optimise(scenario, budget, levers, objective="profit", horizon=None, min=None, max=None,
             seed=None, replicates=2, max_replicates=8, evaluations=0, polish=None, threads=0,
             output=None, market_budget=None):
    """Splits ``budget`` (money over the horizon, the market's) among ``levers`` (channel names,
    ``agents``, ``training``, ``logistics``, ``service_level``, ``CHANNEL@MARKET`` for a channel
    in one market) to maximise the final KPI ``objective`` (``custsim optimise``,
    docs/optimisation.md). ``min``/``max`` map a lever to a bound in money over the horizon;
    ``market_budget`` maps a market to the money its ``CHANNEL@MARKET`` levers share exactly
    (``budget`` None: their sum). Every evaluation of a stage shares ``seed`` (common random
    numbers); replicates double per stage from ``replicates`` to ``max_replicates``; ``polish``
    rounds (default two per lever) then move money between levers whose marginal returns surely
    differ. With
    ``output`` every evaluation is also written there (HDF5). Returns a dict: ``levers``,
    ``allocation``, ``setting``, ``objective`` and ``gain`` (mean, low, high), ``marginal`` (one
    per lever), ``within_noise``, ``stop_reason``, ``summary_text``, ..."""
    s = _resolve(scenario, None, seed)
    if isinstance(levers, str):
        levers = [x for x in levers.split(",") if x]
    levers = [str(x) for x in levers]
    bounds = []
    for name, given in (("min", min), ("max", max), ("market_budget", market_budget)):
        given = {} if given is None else given
        if not isinstance(given, dict):
            example = "{'home': 50000}" if name == "market_budget" else "{'tv': 10000}"
            raise ValueError(f"{name}: a dict of {'market' if name == 'market_budget' else 'lever'}"
                             f" -> money, e.g. {example}, got {given!r}")
        bounds.append({str(k): float(v) for k, v in given.items()})
    for name, value in (("replicates", replicates), ("max_replicates", max_replicates),
                        ("evaluations", evaluations)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{name}: must be a whole number >= 0, got {value!r}")
    if polish is not None and (isinstance(polish, bool) or not isinstance(polish, (int, np.integer))
                               or polish < 0):
        raise ValueError(f"polish: must be a whole number >= 0, got {polish!r}")
    if horizon is not None and not float(horizon) > 0:
        raise ValueError(f"horizon: must be a number of days > 0, got {horizon!r}")
    return _core.optimise(s._core, math.nan if budget is None else float(budget), levers,
                          str(objective), 0.0 if horizon is None else float(horizon), bounds[0],
                          bounds[1], bounds[2], int(replicates), int(max_replicates), int(evaluations),
                          -1 if polish is None else int(polish), _check_threads(threads), "" if output is None else str(output))


__all__ += ["optimise"]


# Sensitivity analysis (docs/sensitivity.md): its own module.
from .sensitivity import Sensitivity, sensitivity  # noqa: E402

__all__ += ["Sensitivity", "sensitivity"]
