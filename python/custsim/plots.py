"""Plots of custsim's results, drawn with matplotlib.

The command line's ``--plot OUT.png`` (``run``, ``compare``, ``response``) writes a JSON spec
and runs this file as a script with Debian's Python::

    /usr/bin/python3 python/custsim/plots.py KIND SPEC.json OUT.png
    /usr/bin/python3 python/custsim/plots.py --check      # exit 0 if matplotlib imports

It needs numpy and matplotlib only: not the compiled ``custsim._core``, nothing else of custsim.
From Python, ``custsim.plots.draw(kind, spec, path)`` takes the same spec as a dict.

Three kinds (core/cli/plot.cpp and core/cli/sensitivity.cpp build them; docs/cli.md shows them):

``panels``: ``{"title", "subtitle", "xlabel", "x": [...], "panels": [{"title", "ylabel",
"series": [...]}]}``; a series is ``{"label", "values": [[replicate 0], [replicate 1], ...]}``,
drawn as the mean over replicates with a band from the lowest to the highest replicate, or
``{"label", "mean", "low", "high"}``, drawn as the mean with its interval as a band.

``intervals``: ``{"title", "subtitle", "xlabel", "groups": [{"name", "rows": [{"label", "mean",
"low", "high"}]}]}``: one row per difference, a dot and its interval, in titled groups; a row
whose mean is null is listed as "n/a".

``tornado``: ``{"title", "subtitle", "xlabel", "keys": [...], "bars": [{"label", "values", "low",
"high"}]}``: one horizontal bar per key and bar series (``values[i]`` for ``keys[i]``, the most
important key first and drawn on top), each with its interval; the first series is drawn widest.
``custsim sensitivity --plot`` and ``Sensitivity.tornado()`` draw it.

Every figure is WIDTH x HEIGHT pixels. Numbers on the axes are in fixed point with thousands
separators.
"""
import json
import math
import sys

WIDTH, HEIGHT, DPI = 1200, 800, 100
MISSING = 3  # exit code when matplotlib or numpy is missing
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf"]


def _pyplot():
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import numpy  # noqa: F401
    except ImportError as error:
        sys.stderr.write(f"{sys.executable} cannot import {error.name}: plots need matplotlib "
                         "(Debian: apt-get install python3-matplotlib), or set CUSTSIM_PYTHON "
                         "to a Python 3 that has it\n")
        sys.exit(MISSING)
    return plt


def _readable(value, _position=None):
    """A tick label: fixed point, thousands separators, as few decimals as the value needs."""
    if value == 0:
        return "0"
    for decimals in range(0, 5):
        if abs(value - round(value, decimals)) < 1e-9 * max(1.0, abs(value)):
            return f"{value:,.{decimals}f}"
    return f"{value:,.4f}"


def _figure(spec):
    plt = _pyplot()
    fig = plt.figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, layout="constrained")
    title = spec.get("title", "")
    if spec.get("subtitle"):
        title += "\n" + spec["subtitle"]
    fig.suptitle(title, fontsize=11)
    return plt, fig


def _series(ax, x, series, colour):
    import numpy as np
    if "values" in series:
        values = np.asarray(series["values"], dtype=float).reshape(-1, len(x))
        mean, low, high = values.mean(axis=0), values.min(axis=0), values.max(axis=0)
    else:
        mean, low, high = (np.asarray(series[k], dtype=float) for k in ("mean", "low", "high"))
    marker = "o" if len(x) <= 30 else None
    ax.plot(x, mean, color=colour, label=series["label"], marker=marker, markersize=4)
    ax.fill_between(x, low, high, color=colour, alpha=0.2, linewidth=0)


def draw_panels(spec, path):
    """Panels of lines over a shared x, each series with its band (see the module's doc)."""
    from matplotlib.ticker import FuncFormatter
    plt, fig = _figure(spec)
    panels = spec["panels"]
    columns = len(panels) if len(panels) <= 3 else 2
    rows = math.ceil(len(panels) / columns)
    x = spec["x"]
    for k, panel in enumerate(panels):
        ax = fig.add_subplot(rows, columns, k + 1)
        for n, series in enumerate(panel["series"]):
            _series(ax, x, series, COLOURS[n % len(COLOURS)])
        ax.set_title(panel["title"], fontsize=10)
        ax.set_xlabel(spec.get("xlabel", ""))
        ax.set_ylabel(panel.get("ylabel", ""))
        ax.yaxis.set_major_formatter(FuncFormatter(_readable))
        ax.xaxis.set_major_formatter(FuncFormatter(_readable))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    fig.savefig(path, dpi=DPI, format="png")
    plt.close(fig)


def draw_intervals(spec, path):
    """Differences with their intervals, one row each, in titled groups."""
    from matplotlib.ticker import FuncFormatter
    plt, fig = _figure(spec)
    groups = [g for g in spec["groups"] if g["rows"]]
    axes = fig.subplots(len(groups), 1, sharex=True, squeeze=False,
                        gridspec_kw={"height_ratios": [len(g["rows"]) + 0.8 for g in groups]})
    for ax, group in zip(axes[:, 0], groups):
        rows = group["rows"]
        labels = []
        for y, row in enumerate(rows):
            mean, low, high = row.get("mean"), row.get("low"), row.get("high")
            if mean is None:
                labels.append(row["label"] + " (n/a)")
                continue
            labels.append(row["label"])
            sure = low is not None and high is not None and (low > 0 or high < 0)
            colour = "#1f4e9c" if sure else "#9a9a9a"
            if low is not None and high is not None:
                ax.plot([low, high], [y, y], color=colour, linewidth=2.5, solid_capstyle="butt")
            ax.plot([mean], [y], "o", color=colour, markersize=5)
        ax.set_yticks(range(len(rows)), labels, fontsize=8)
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_title(group["name"], loc="left", fontsize=9, fontweight="bold")
        ax.grid(axis="x", alpha=0.3)
        ax.xaxis.set_major_formatter(FuncFormatter(_readable))
    axes[-1, 0].set_xlabel(spec.get("xlabel", ""))
    fig.savefig(path, dpi=DPI, format="png")
    plt.close(fig)


def tornado_axes(ax, keys, bars, xlabel, title):
    """A tornado on ``ax``: for each key (the most important first, drawn on top) one bar per
    series in ``bars`` (dicts of "label", "values", "low", "high"; a null is drawn as 0 with no
    interval), the first series widest, with the 0 line and a legend when there are several."""
    import numpy as np

    def column(values):
        return np.array([np.nan if v is None else v for v in values], dtype=float)

    y = np.arange(len(keys))  # barh draws from the bottom: the keys reversed
    for n, bar in enumerate(bars):
        value, low, high = (column(bar[k])[::-1] for k in ("values", "low", "high"))
        err = np.nan_to_num(np.abs(np.vstack([value - low, high - value])))
        ax.barh(y, np.nan_to_num(value), height=0.6 / (n + 1), xerr=err, label=bar["label"],
                capsize=3, alpha=0.85, color=COLOURS[n % len(COLOURS)])
    ax.set_yticks(y, list(keys)[::-1])
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.axvline(0, color="black", linewidth=0.8)
    if len(bars) > 1:
        ax.legend(loc="lower right")
    return ax


def draw_tornado(spec, path):
    """Bars of each key's importance with their intervals, the most important on top."""
    from matplotlib.ticker import FuncFormatter
    plt, fig = _figure(spec)
    ax = fig.add_subplot(1, 1, 1)
    tornado_axes(ax, spec["keys"], spec["bars"], spec.get("xlabel", ""), "")
    ax.xaxis.set_major_formatter(FuncFormatter(_readable))
    ax.grid(axis="x", alpha=0.3)
    fig.savefig(path, dpi=DPI, format="png")
    plt.close(fig)


KINDS = {"panels": draw_panels, "intervals": draw_intervals, "tornado": draw_tornado}


def draw(kind, spec, path):
    """Draws a ``panels``, ``intervals`` or ``tornado`` spec (a dict) into the PNG file
    ``path``."""
    if kind not in KINDS:
        raise ValueError(f"unknown plot kind {kind!r}; known: {', '.join(KINDS)}")
    KINDS[kind](spec, path)


def main(argv):
    if argv[1:] == ["--check"]:
        _pyplot()
        return 0
    if len(argv) != 4:
        sys.stderr.write(f"usage: {argv[0]} {{{','.join(KINDS)}}} SPEC.json OUT.png | --check\n")
        return 2
    _, kind, spec_path, out = argv
    with open(spec_path, encoding="utf-8") as spec:
        draw(kind, json.load(spec), out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
