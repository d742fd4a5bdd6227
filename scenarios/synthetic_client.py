#!/usr/bin/python3
"""Writes a synthetic client's data for calibration checks (docs/calibration.md): the baseline at
20 000 customers run with another seed (7) and its defaults, observed as a client would see it:
52 weekly purchase totals (market units) and a quarterly awareness survey of 1 000 people (a
binomial draw of the simulated share, seeded).

    PYTHONPATH=build/release/python /usr/bin/python3 scenarios/synthetic_client.py client.csv
"""
import sys
from pathlib import Path

import numpy as np

import custsim

HERE = Path(__file__).resolve().parent


def main(out):
    s = custsim.load_scenario(HERE / "baseline.yaml", population__customers=20000, seed=7,
                              replicates=1)
    r = custsim.run(s, progress=False)
    scale = r.market_scale
    day = np.asarray(r.time)
    purchases = np.asarray(r.timeseries("purchases"))[0] * scale   # cumulative since day 0
    aware = np.asarray(r.timeseries("aware"))[0] / r.population   # share of the population
    rng = np.random.default_rng(7)
    rows = ["day,kpi,value,n"]
    for week in range(1, 53):
        d = 7 * week
        last = purchases[day == d - 7][0] if d > 7 else purchases[day == 0][0]
        rows.append(f"{d},purchases,{purchases[day == d][0] - last:.0f},")
    for d in (91, 182, 273, 364):
        share = aware[day == d][0]
        rows.append(f"{d},aware,{rng.binomial(1000, share) / 1000:.3f},1000")
    Path(out).write_text("\n".join(rows) + "\n")
    print(f"{out}: {len(rows) - 1} rows")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "client.csv")
