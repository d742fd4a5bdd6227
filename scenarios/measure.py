#!/usr/bin/python3
"""Measures the tables of scenarios/README.md: each column is a scenario file with optional
--set changes, run as the file says (100 000 customers, a year, 5 replicates, seed 1 unless the
file says otherwise); each cell is the mean at the last day with the half-width of its 95 %
interval. Prints the tables as Markdown.

    PYTHONPATH=build/release/python /usr/bin/python3 scenarios/measure.py [TABLE...]

TABLE names one of the tables below, `invariance` (the library at 20 000 and at 100 000
customers standing for the same market: profit per person and the ranking), `markets`
(`two_markets.yaml` per market) or `decide` (which
assumptions decide service against advertising: paired profit differences at 20 000 customers as
one assumption moves); default: all.
"""
import sys
from pathlib import Path

import custsim
import numpy as np

HERE = Path(__file__).resolve().parent

KPIS = ["aware", "customers", "market_share", "adopted_by_wom", "nps", "churned",
        "complaints_unresolved", "revenue", "media_cost", "service_cost", "profit", "roi", "clv"]

# table name -> (KPIs, [(column title, scenario file, {key: value})])
TABLES = {
    "budget": (KPIS, [
        ("`baseline`", "baseline.yaml", {}),
        ("`ads_heavy`", "ads_heavy.yaml", {}),
        ("`service_training`", "service_training.yaml", {}),
        ("`service_logistics`", "service_logistics.yaml", {}),
        ("`service_level`", "service_level.yaml", {}),
    ]),
    "mature": (KPIS, [
        ("`mature_troubled`", "mature_troubled.yaml", {}),
        ("`mature_troubled_service`", "mature_troubled_service.yaml", {}),
        ("`mature_troubled_logistics`", "mature_troubled_logistics.yaml", {}),
    ]),
    "personalisation": (["customers", "churned", "complaints_unresolved", "revenue", "profit",
                         "clv"], [
        ("`baseline`", "baseline.yaml", {}),
        ("`personalisation_consented`", "personalisation_consented.yaml", {}),
        ("`personalisation_assumed`", "personalisation_assumed.yaml", {}),
    ]),
    "crisis": (["customers", "nps", "churned", "complaints_unresolved", "profit", "clv"], [
        ("`baseline`", "baseline.yaml", {}),
        ("`product_crisis`", "product_crisis.yaml", {}),
        ("crisis, 4x agents (`--set brands.focal.service.agents=1`)", "product_crisis.yaml",
         {"brands.focal.service.agents": 1}),
        ("crisis, better service (`--set brands.focal.service.quality=0.95`)",
         "product_crisis.yaml", {"brands.focal.service.quality": 0.95}),
    ]),
    "peak": (["lost_sales", "nps", "revenue", "profit", "clv"], [
        ("`peak_season`", "peak_season.yaml", {}),
        ("site doubled (`--set brands.focal.service.it_capacity=1400 --set "
         "brands.focal.service.it_cost_per_day=80`)", "peak_season.yaml",
         {"brands.focal.service.it_capacity": 1400, "brands.focal.service.it_cost_per_day": 80}),
    ]),
}


def half_width(values):
    """Half-width of the 95 % Student t interval of the mean of `values`."""
    return custsim._t95(len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))


def cell(values, kpi):
    mean, low, high = values
    half = (high - low) / 2
    digits = 3 if kpi in ("market_share", "roi") else 1 if kpi in ("nps", "clv") else 0
    return f"{mean:,.{digits}f} ± {half:,.{digits}f}"


RUNS = {}  # (file, changes) -> Results, so that a table reuses what another ran


def run_file(file, changes):
    key = (file, tuple(sorted(changes.items())))
    if key not in RUNS:
        s = custsim.load_scenario(HERE / file)
        for name, value in changes.items():
            s[name] = value
        RUNS[key] = custsim.run(s)
    return RUNS[key]


def measure(name):
    kpis, columns = TABLES[name]
    found, profits = [], []
    for title, file, changes in columns:
        results = run_file(file, changes)
        found.append((title, results.summary()))
        profits.append(np.asarray(results.final("profit")))
        print(f"  measured {title}", file=sys.stderr)
    lines = ["| KPI (last day) | " + " | ".join(t for t, _ in found) + " |",
             "|---|" + "---|" * len(found)]
    for kpi in kpis:
        row = [cell(tuple(s.loc[kpi, c] for c in ("mean", "low", "high")), kpi)
               for _, s in found]
        lines.append(f"| {kpi} | " + " | ".join(row) + " |")
    # Profit against the first column, replicate by replicate (common random numbers).
    row = ["-"]
    for p in profits[1:]:
        d = p - profits[0]
        half = half_width(d)
        row.append(f"{d.mean():+,.0f} ± {half:,.0f}")
    lines.append("| profit, paired difference from the first column | " + " | ".join(row) + " |")
    return "\n".join(lines)


# Which assumptions decide "service or advertising?": each pair's paired profit difference
# (service variant minus its base, same budget) as one assumption moves, the rest at defaults.
# Run at 20 000 customers standing for the market's 100 000, 4 replicates.
PAIRS = [("`service_level` - `baseline`", "baseline.yaml", "service_level.yaml"),
         ("`service_logistics` - `baseline`", "baseline.yaml", "service_logistics.yaml"),
         ("`mature_troubled_service` - `mature_troubled`", "mature_troubled.yaml",
          "mature_troubled_service.yaml"),
         ("`mature_troubled_logistics` - `mature_troubled`", "mature_troubled.yaml",
          "mature_troubled_logistics.yaml")]
ASSUMPTIONS = [("defaults", {}),
               ("`journey.silent_scar: 0`", {"journey.silent_scar": 0}),
               ("`journey.service_gain: 3`", {"journey.service_gain": 3}),
               ("`journey.satisfaction_repurchase: 0.2`", {"journey.satisfaction_repurchase": 0.2}),
               ("`journey.attitude_churn: 0.25`", {"journey.attitude_churn": 0.25}),
               ("`journey.knowledge_days: 365`", {"journey.knowledge_days": 365}),
               ("`journey.unresolved_churn: 1`", {"journey.unresolved_churn": 1}),
               ("`reviews.enabled: true`", {"reviews.enabled": True}),
               ("`journey.repeat_choice: repertoire`", {"journey.repeat_choice": "repertoire"})]


def markets():
    """`two_markets.yaml`: the focal brand's aware, customers and revenue per market at day 365,
    and abroad without strict privacy; total profit against the baseline."""
    plain = run_file("two_markets.yaml", {})
    open_abroad = run_file("two_markets.yaml", {"markets.abroad.strict_privacy": False})
    lines = ["| focal brand, day 365 | home | abroad | abroad without strict privacy "
             "(`--set markets.abroad.strict_privacy=false`) |", "|---|---|---|---|"]
    for kpi in ("aware", "customers", "revenue"):
        a, b = plain.markets(kpi)[:, -1, :].mean(axis=0), open_abroad.markets(kpi)[:, -1, :]
        lines.append(f"| {kpi} | {a[0]:,.0f} | {a[1]:,.0f} | {b.mean(axis=0)[1]:,.0f} |")
    for title, r in (("two_markets", plain), ("without strict privacy", open_abroad)):
        v = np.asarray(r.final("profit"))
        half = half_width(v)
        lines.append(f"| profit, {title} (both markets) | {v.mean():,.0f} ± {half:,.0f} | | |")
    return "\n".join(lines)


LIBRARY = ["baseline.yaml", "ads_heavy.yaml", "service_training.yaml", "service_logistics.yaml",
           "service_level.yaml", "mature_troubled.yaml", "mature_troubled_service.yaml",
           "mature_troubled_logistics.yaml"]


def invariance():
    """Profit per person of the market at 20 000 customers (4 replicates) and at the files'
    100 000 (5), with each scenario's rank within its family (launch, mature)."""
    rows = []
    for file in LIBRARY:
        small = run_file(file, {"population.customers": 20000, "replicates": 4})
        full = run_file(file, {})
        per = [np.asarray(r.final("profit")) / n for r, n in ((small, 20000), (full, 100000))]
        cells = []
        for v in per:
            half = half_width(v)
            cells.append((v.mean(), half))
        rows.append((file, cells))
        print(f"  measured {file} at two sizes", file=sys.stderr)
    lines = ["| scenario | profit per person, 20 000 customers | rank | profit per person, "
             "100 000 | rank |", "|---|---|---|---|---|"]
    families = [rows[:5], rows[5:]]
    for family in families:
        ranks = [np.argsort(np.argsort([-r[1][i][0] for r in family])) + 1 for i in (0, 1)]
        for k, (file, cells) in enumerate(family):
            lines.append(f"| `{file[:-5]}` | {cells[0][0]:.3f} ± {cells[0][1]:.3f} | {ranks[0][k]} "
                         f"| {cells[1][0]:.3f} ± {cells[1][1]:.3f} | {ranks[1][k]} |")
    return "\n".join(lines)


def decide():
    lines = ["| assumption | " + " | ".join(t for t, _, _ in PAIRS) + " |",
             "|---|" + "---|" * len(PAIRS)]
    for label, changes in ASSUMPTIONS:
        profit = {}  # scenario file -> [replicates]; a base shared by two pairs runs once

        def run(file):
            if file not in profit:
                sc = custsim.load_scenario(HERE / file)
                sc["population.customers"] = 20000
                sc["replicates"] = 4
                for key, value in changes.items():
                    sc[key] = value
                profit[file] = np.asarray(custsim.run(sc).final("profit"))
            return profit[file]

        row = []
        for _, a, b in PAIRS:
            d = run(b) - run(a)
            half = half_width(d)
            row.append(f"{d.mean():+,.0f} ± {half:,.0f}")
        print(f"  measured {label}", file=sys.stderr)
        lines.append(f"| {label} | " + " | ".join(row) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    for name in sys.argv[1:] or list(TABLES) + ["markets", "invariance", "decide"]:
        special = {"decide": decide, "invariance": invariance, "markets": markets}
        table = special[name]() if name in special else measure(name)
        print(f"### {name}\n\n{table}\n", flush=True)
