"""One self-contained HTML page from results files, to hand to a colleague.

    custsim report baseline.h5 [variant.h5 ...] -o report.html [--question TEXT]
    PYTHONPATH=build/release/python /usr/bin/python3 -m custsim.report baseline.h5 -o report.html

The page holds the question, the scenario's key assumptions (and, for several files, every key
in which they differ), the headline KPIs with their 95 % intervals, the funnel, money, service
and word-of-mouth plots with replicate bands, spend, exposures and last-touch attribution per
channel, optionally each channel's incremental effect (``--incrementality``: the run without it,
same seed), and for several files the paired differences from the first with 95 % intervals.
Plots are PNGs embedded in the page: it needs no other file and no network to be read.
"""
from __future__ import annotations

import argparse
import base64
import datetime
import html
import io
import math
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

# Plots and tables of the page: which KPIs each shows. The KPIs' labels, units, kinds and
# groups come from the engine's registry (custsim.kpi_registry()).
FUNNEL = ["aware", "considering", "customers"]
MONEY = ["revenue", "margin", "media_cost", "service_cost", "profit"]
SERVICE = ["complaints_opened", "complaints_resolved", "complaints_unresolved", "churned"]
WORD_OF_MOUTH = ["wom_positive", "wom_negative", "adopted_by_wom", "adopted_by_ads"]
HEADLINE = ["aware", "customers", "market_share", "adopted", "adopted_by_wom", "churned", "nps",
            "complaints_unresolved", "revenue", "media_cost", "service_cost", "profit", "roi",
            "clv"]
COMPARED = ["customers", "adopted", "market_share", "churned", "nps", "complaints_unresolved",
            "revenue", "margin", "media_cost", "service_cost", "profit", "roi", "clv"]
# The order of the registry's groups (KpiGroup in core/include/custsim/kpis.hpp), as compare.
GROUPS = ["customers", "money", "service", "word of mouth", "data"]
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


class ReportError(ValueError):
    """A report that cannot be made: the message says which file and why."""


def _custsim():
    import custsim  # the package this module belongs to; imported late for `python -m`
    return custsim


def _t95(n):
    return _custsim()._t95(n - 1) if n > 1 else float("nan")


def interval(values):
    """Mean and the half-width of its 95 % interval (Student t) over replicates."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    mean = float(values.mean())
    if n < 2:
        return mean, float("nan")
    return mean, _t95(n) * float(values.std(ddof=1)) / math.sqrt(n)


def number(value, fmt="%.0f"):
    """Fixed point with thousands separators, as many decimals as the KPI's format."""
    if value is None or not np.isfinite(value):
        return "–"
    decimals = int(fmt[2]) if fmt.startswith("%.") and fmt[2].isdigit() else 0
    return f"{value:,.{decimals}f}"


class Run:
    """One results file, with the market scale applied where the registry says."""

    def __init__(self, path, registry):
        custsim = _custsim()
        self.path = Path(path)
        try:
            self.results = custsim.read_results(self.path)
        except (OSError, ValueError) as e:
            message = str(e)
            raise ReportError(message if str(self.path) in message else
                              f"{self.path}: {message}") from e
        import yaml
        self.scenario = yaml.safe_load(self.results.scenario_yaml) or {}
        self.name = str(self.scenario.get("name") or self.path.stem)
        self.registry = registry
        self.scale = self.results.market_scale

    def scales(self, kpi):
        return self.registry[kpi]["scales_with_population"]

    def final(self, kpi):
        values = np.asarray(self.results.final(kpi), dtype=float)
        return values * self.scale if self.scales(kpi) else values

    def series(self, kpi):
        values = np.asarray(self.results.timeseries(kpi), dtype=float)
        return values * self.scale if self.scales(kpi) else values

    def has(self, kpi):
        return kpi in self.results.kpis or kpi in self.results._final


def _figure_html(fig, alt):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    import matplotlib.pyplot as plt
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _band(ax, time, values, colour, label, style="-"):
    """The replicates' mean as a line, their lowest and highest as a band."""
    ax.plot(time, values.mean(axis=0), style, color=colour, label=label, linewidth=1.6)
    if values.shape[0] > 1:
        ax.fill_between(time, values.min(axis=0), values.max(axis=0), color=colour, alpha=0.18,
                        linewidth=0)


def _unit_axis(ax, registry, kpis):
    units = {registry[k]["unit"] for k in kpis}
    ax.set_ylabel(", ".join(sorted(units)) + (" (the market)" if units & {"customers", "money"}
                                               else ""))
    ax.set_xlabel("day")
    from matplotlib.ticker import FuncFormatter
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 10
                                               else f"{v:g}"))
    ax.grid(alpha=0.3)


def series_plot(runs, registry, kpis, title):
    """One panel per KPI, every file's replicates as a band in its colour."""
    import matplotlib.pyplot as plt
    kpis = [k for k in kpis if all(r.has(k) for r in runs)]
    if not kpis:
        return ""
    cols = min(len(kpis), 3)
    rows = math.ceil(len(kpis) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.0 * rows), squeeze=False)
    for ax, kpi in zip(axes.flat, kpis):
        for i, run in enumerate(runs):
            _band(ax, run.results.time, run.series(kpi), COLOURS[i % len(COLOURS)], run.name)
        ax.set_title(registry[kpi]["label"] + (" (cumulative)" if registry[kpi]["kind"] == "flow"
                                               else ""), fontsize=10)
        _unit_axis(ax, registry, [kpi])
    for ax in list(axes.flat)[len(kpis):]:
        ax.axis("off")
    if len(runs) > 1:
        axes.flat[0].legend(fontsize=8)
    fig.tight_layout()
    return _figure_html(fig, title)


def channel_totals(run, kpi):
    """Per channel over the whole run, market units: mean and half-width over replicates."""
    values = np.asarray(run.results.channels(kpi), dtype=float)[:, -1, :] * run.scale
    return [interval(values[:, c]) for c in range(values.shape[1])]


def channel_plot(runs):
    import matplotlib.pyplot as plt
    panels = [("spend", "spend over the run", "money"),
              ("exposures", "exposures", "exposures"),
              ("last_touch_conversions", "purchases credited by last touch", "purchases"),
              ("acquisitions", "new customers who found the brand there", "customers")]
    fig, axes = plt.subplots(1, len(panels), figsize=(17, 3.6))
    width = 0.8 / len(runs)
    for ax, (kpi, title, unit) in zip(axes, panels):
        for i, run in enumerate(runs):
            names = run.results.channel_names
            rows = channel_totals(run, kpi)
            x = np.arange(len(names)) + i * width
            ax.bar(x, [m for m, _ in rows], width, yerr=[0 if math.isnan(h) else h
                                                         for _, h in rows],
                   color=COLOURS[i % len(COLOURS)], label=run.name, capsize=2)
            ax.set_xticks(np.arange(len(names)) + 0.4 - width / 2, names, rotation=45,
                          ha="right", fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(unit + " (the market)")
        ax.grid(axis="y", alpha=0.3)
    if len(runs) > 1:
        axes[0].legend(fontsize=8)
    fig.tight_layout()
    return _figure_html(fig, "per channel")


def channel_table(run):
    names = run.results.channel_names
    spend = channel_totals(run, "spend")
    exposures = channel_totals(run, "exposures")
    touch = channel_totals(run, "last_touch_conversions")
    found = channel_totals(run, "acquisitions")
    rows = []
    for c, name in enumerate(names):
        cost = spend[c][0] / touch[c][0] if touch[c][0] > 0 else float("nan")
        rows.append([name, number(spend[c][0]), number(exposures[c][0]), number(touch[c][0]),
                     number(found[c][0]), number(cost, "%.2f")])
    return rows


def _flatten(tree, prefix=""):
    out = {}
    if isinstance(tree, dict):
        for key, value in tree.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            label = value.get("name") or value.get("channel") if isinstance(value, dict) else None
            out.update(_flatten(value, f"{prefix}.{label}" if label else f"{prefix}[{i}]"))
    else:
        out[prefix] = tree
    return out


def assumptions(run):
    """The scenario's key assumptions as (what, value) rows."""
    s = run.scenario
    population = s.get("population", {})
    rows = [("description", s.get("description", "")),
            ("customers simulated", number(population.get("customers", float("nan")))),
            ("people in the market", number(population.get("represents") or
                                            population.get("customers", float("nan")))),
            ("days", s.get("days")), ("replicates", run.results.replicates),
            ("seed", run.results.seed),
            ("social ties per customer", s.get("graph", {}).get("mean_degree"))]
    for brand in s.get("brands", []):
        name = brand.get("name")
        rows.append((f"{name}: price, quality", f"{brand.get('price')}, {brand.get('quality')}"))
        media = ", ".join(f"{m.get('channel')} {number(m.get('spend_per_day', 0))}/day"
                          for m in brand.get("media", []))
        if media:
            rows.append((f"{name}: media", media))
        service = brand.get("service")
        if isinstance(service, dict) and service:
            rows.append((f"{name}: service", ", ".join(f"{k} {v}" for k, v in service.items()
                                                        if not isinstance(v, (dict, list)))))
    return [(k, html.escape(str(v))) for k, v in rows if v not in (None, "")]


def differences(runs):
    """Every scenario key whose value differs between the files: [key, value per file]."""
    flat = [_flatten(r.scenario) for r in runs]
    keys = sorted(set().union(*flat))
    skip = {"name", "description"}
    return [[k] + [html.escape(str(f.get(k, "–"))) for f in flat]
            for k in keys if k not in skip and len({str(f.get(k)) for f in flat}) > 1]


def headline(runs, registry):
    rows = []
    for kpi in HEADLINE:
        if not all(r.has(kpi) for r in runs):
            continue
        cells = []
        for run in runs:
            mean, half = interval(run.final(kpi))
            fmt = registry[kpi]["format"]
            cells.append(number(mean, fmt) + ("" if math.isnan(half) else
                                              f" ± {number(half, fmt)}"))
        rows.append([registry[kpi]["label"], registry[kpi]["unit"]] + cells)
    return rows


def paired(a, b, kpi):
    """B - A per replicate when both share seed and replicates (common random numbers), else
    the difference of means with a Welch-type half-width. Returns mean, half, paired."""
    va, vb = a.final(kpi), b.final(kpi)
    if a.results.seed == b.results.seed and len(va) == len(vb):
        mean, half = interval(vb - va)
        return mean, half, True
    ma, ha = interval(va)
    mb, hb = interval(vb)
    return mb - ma, math.hypot(ha, hb), False


def comparison(runs, registry):
    """For each file after the first: grouped rows of B - A with intervals and % change."""
    base = runs[0]
    blocks = []
    order = [k for k in COMPARED if all(r.has(k) for r in runs)]
    for other in runs[1:]:
        rows, all_paired = [], True
        for kpi in sorted(order, key=lambda k: (GROUPS.index(registry[k]["group"]),
                                                order.index(k))):
            mean, half, was_paired = paired(base, other, kpi)
            all_paired &= was_paired
            a = float(base.final(kpi).mean())
            fmt = registry[kpi]["format"]
            relative = 100 * mean / abs(a) if a != 0 else float("nan")
            low, high = mean - half, mean + half
            sure = not math.isnan(half) and (low > 0 or high < 0)
            rows.append({"group": registry[kpi].get("group", ""),
                         "label": registry[kpi]["label"], "unit": registry[kpi]["unit"],
                         "a": number(a, fmt), "b": number(float(other.final(kpi).mean()), fmt),
                         "difference": ("+" if mean > 0 else "") + number(mean, fmt),
                         "interval": f"{number(low, fmt)} to {number(high, fmt)}",
                         "relative": "–" if math.isnan(relative) else f"{relative:+.1f} %",
                         "sure": sure, "kpi": kpi, "mean": mean, "half": half})
        blocks.append({"name": other.name, "rows": rows, "paired": all_paired,
                       "grouped": any(row["group"] for row in rows),
                       "plot": comparison_plot(base, other, rows)})
    return blocks


def comparison_plot(base, other, rows):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(rows) + 1.2))
    y = np.arange(len(rows))[::-1]
    for yi, row in zip(y, rows):
        a = float(base.final(row["kpi"]).mean())
        scale = 100 / abs(a) if a != 0 else float("nan")
        half = 0 if math.isnan(row["half"]) else row["half"] * scale
        ax.errorbar(row["mean"] * scale, yi, xerr=half, fmt="o",
                    color="#222222" if row["sure"] else "#aaaaaa", capsize=3)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, [r["label"] for r in rows], fontsize=9)
    ax.set_xlabel(f"change in % of {base.name}'s value, 95 % interval (grey: sign not sure)")
    ax.set_title(f"{other.name} against {base.name}", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return _figure_html(fig, f"{other.name} against {base.name}")


def incrementality(run, threads):
    """Each channel's incremental effect: the scenario run again without it, same seed."""
    custsim = _custsim()
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(run.results.scenario_yaml)
        path = f.name
    try:
        frame = custsim.attribute(path, threads=threads)
    finally:
        os.unlink(path)
    rows = []
    scale = run.scale
    for channel, row in frame.iterrows():
        def with_interval(name):
            mean = row[f"incremental_{name}_mean"] * scale
            half = (row[f"incremental_{name}_high"] - row[f"incremental_{name}_mean"]) * scale
            return f"{number(mean)} ± {number(half)}"
        rows.append([channel, number(row["spend"] * scale),
                     number(row["last_touch_conversions"] * scale),
                     with_interval("customers"), with_interval("purchases"),
                     with_interval("profit"), number(row["roi"], "%.2f")])
    return rows


def build(paths, output, question=None, with_incrementality=False, threads=0):
    """Writes the report for ``paths`` (results files) to ``output``; returns its path."""
    if not paths:
        raise ReportError("no results file given")
    custsim = _custsim()
    registry = {k["name"]: k for k in custsim.kpi_registry() if k["per"] == "scalar"}
    runs = [Run(p, registry) for p in paths]
    import matplotlib
    matplotlib.use("Agg")
    import jinja2
    template = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent), autoescape=False,
        undefined=jinja2.StrictUndefined).get_template("report.html.j2")
    page = template.render(
        title=" vs ".join(r.name for r in runs),
        question=question or _default_question(runs),
        generated=datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        version=custsim.__version__, runs=runs,
        assumptions=assumptions(runs[0]), differences=differences(runs),
        headline=headline(runs, registry),
        funnel=series_plot(runs, registry, FUNNEL, "The funnel"),
        money=series_plot(runs, registry, MONEY, "Money"),
        service=series_plot(runs, registry, SERVICE + ["nps"], "Service"),
        word_of_mouth=series_plot(runs, registry, WORD_OF_MOUTH, "Word of mouth"),
        channels=channel_plot(runs), channel_rows=[channel_table(r) for r in runs],
        incrementality=incrementality(runs[0], threads) if with_incrementality else None,
        comparisons=comparison(runs, registry) if len(runs) > 1 else [],
        escape=html.escape)
    output = Path(output)
    temporary = output.with_name(f".{output.name}.tmp{os.getpid()}")
    try:
        temporary.write_text(page, encoding="utf-8")
        os.replace(temporary, output)
    finally:
        temporary.unlink(missing_ok=True)
    return output


def _default_question(runs):
    if len(runs) == 1:
        return f"What does the scenario “{runs[0].name}” give over its horizon, and how sure is it?"
    others = ", ".join(f"“{r.name}”" for r in runs[1:])
    return f"What changes if we go from “{runs[0].name}” to {others}?"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="custsim report", description=__doc__.split("\n")[0])
    parser.add_argument("results", nargs="+", help="results files (custsim run -o)")
    parser.add_argument("-o", "--output", required=True, help="the HTML page to write")
    parser.add_argument("--question", help="the question the report answers (its first line)")
    parser.add_argument("--incrementality", action="store_true",
                        help="run the first scenario again without each channel (same seed)")
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        out = build(args.results, args.output, args.question, args.incrementality, args.threads)
    except ReportError as e:
        print(f"custsim report: {e}", file=sys.stderr)
        return 2
    print(f"report: {out} ({out.stat().st_size / 1e6:.1f} MB, self-contained)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
