#!/usr/bin/python3
"""Writes a synthetic client's data for calibration checks (docs/calibration.md): the baseline at
20 000 customers run with another seed (7) and its defaults, observed as a client would see it:
52 weekly purchase totals (market units) and a quarterly awareness survey of 1 000 people (a
binomial draw of the simulated share, seeded).

    PYTHONPATH=build/release/python /usr/bin/python3 scenarios/synthetic_client.py client.csv

A smaller client for quick checks: `--customers 5000 --weeks 26` (26 weekly totals, the surveys
that fall inside them); the run then lasts 7 x weeks days. `--launch-wave` adds the survey's
wave at day 0, before the year's first week (the tracking study's starting point).
"""
import argparse
from pathlib import Path

import numpy as np

import custsim

HERE = Path(__file__).resolve().parent


def main(out, customers=20000, weeks=52, launch_wave=False):
    days = 365 if weeks == 52 else 7 * weeks  # the baseline's year, or just the weeks observed
    s = custsim.load_scenario(HERE / "baseline.yaml", population__customers=customers, seed=7,
                              replicates=1, days=days)
    r = custsim.run(s, progress=False)
    scale = r.market_scale
    day = np.asarray(r.time)
    purchases = np.asarray(r.timeseries("purchases"))[0] * scale   # cumulative since day 0
    aware = np.asarray(r.timeseries("aware"))[0] / r.population   # share of the population
    rng = np.random.default_rng(7)
    rows = ["day,kpi,value,n"]
    for week in range(1, weeks + 1):
        d = 7 * week
        last = purchases[day == d - 7][0] if d > 7 else purchases[day == 0][0]
        rows.append(f"{d},purchases,{purchases[day == d][0] - last:.0f},")
    waves = (91, 182, 273, 364, 0) if launch_wave else (91, 182, 273, 364)  # 0 drawn last
    for d in (d for d in waves if d <= 7 * weeks):
        share = aware[day == d][0]
        rows.append(f"{d},aware,{rng.binomial(1000, share) / 1000:.3f},1000")
    Path(out).write_text("\n".join(rows) + "\n")
    print(f"{out}: {len(rows) - 1} rows")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", default="client.csv")
    parser.add_argument("--customers", type=int, default=20000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--launch-wave", action="store_true")
    args = parser.parse_args()
    main(args.out, args.customers, args.weeks, args.launch_wave)
