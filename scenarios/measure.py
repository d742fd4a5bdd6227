#!/usr/bin/python3
"""Measures the tables of scenarios/README.md: each column is a scenario file with optional
--set changes, run as the file says (100 000 customers, a year, 5 replicates, seed 1 unless the
file says otherwise); each cell is the mean at the last day with the half-width of its 95 %
interval. Prints the tables as Markdown.

    PYTHONPATH=build/release/python /usr/bin/python3 scenarios/measure.py [TABLE...]

TABLE names one of the tables below (default: all).
"""
import sys
from pathlib import Path

import custsim

HERE = Path(__file__).resolve().parent

KPIS = ["aware", "customers", "market_share", "adopted_by_wom", "nps", "churned",
        "complaints_unresolved", "revenue", "service_cost", "profit", "roi", "clv"]

# table name -> (KPIs, [(column title, scenario file, {key: value})])
TABLES = {
    "budget": (KPIS, [
        ("`baseline`", "baseline.yaml", {}),
        ("`ads_heavy`", "ads_heavy.yaml", {}),
        ("`service_first`", "service_first.yaml", {}),
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


def cell(values, kpi):
    mean, low, high = values
    half = (high - low) / 2
    digits = 3 if kpi in ("market_share", "roi") else 1 if kpi in ("nps", "clv") else 0
    return f"{mean:,.{digits}f} ± {half:,.{digits}f}"


def measure(name):
    kpis, columns = TABLES[name]
    found = []
    for title, file, changes in columns:
        s = custsim.load_scenario(HERE / file)
        for key, value in changes.items():
            s[key] = value
        summary = custsim.run(s).summary()
        found.append((title, summary))
        print(f"  measured {title}", file=sys.stderr)
    lines = ["| KPI (last day) | " + " | ".join(t for t, _ in found) + " |",
             "|---|" + "---|" * len(found)]
    for kpi in kpis:
        row = [cell(tuple(s.loc[kpi, c] for c in ("mean", "low", "high")), kpi)
               for _, s in found]
        lines.append(f"| {kpi} | " + " | ".join(row) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    for name in sys.argv[1:] or list(TABLES):
        print(f"### {name}\n\n{measure(name)}\n", flush=True)
