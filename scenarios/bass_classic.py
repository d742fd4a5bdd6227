#!/usr/bin/python3
"""The Bass special case fitted to the classic annual series (docs/calibration.md, "Checks").

For each series of data/bass_classic_diffusion_series.csv named: p, q and m fitted by
`custsim calibrate` with scenarios/bass.yaml (one simulated day = one year; p is the advertising
channel's adoption_rate, q the word-of-mouth rate, m the market: population.represents, so that the
sample's adoptions count in the market's units, thousands here), and beside them the nonlinear
least squares of Srinivasan & Mason (1986): annual adoptions X(t) = m (F(t) - F(t - 1)) with the
closed form F(t) = (1 - e^-(p+q)t) / (1 + (q/p) e^-(p+q)t), by scipy's curve_fit.

The observations' standard deviation is not published with the series; each row's `sd` is the
least-squares fit's residual standard error, sqrt(SSR / (n - 3)), the noise level that the
least-squares standard errors also assume. The posterior's 90 % intervals are then comparable
with the least-squares estimates +- 1.645 standard errors.

    /usr/bin/python3 scenarios/bass_classic.py \\
        --series room_air_conditioners color_televisions clothes_dryers --threads 2

The model's sample is 5 000 customers (the market's scale is then m / 5 000) stepped 20 times a
year (dt 0.05); 12 walkers, 1 000 steps.

CUSTSIM_BIN names the custsim binary (default build/release/core/custsim).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np
from scipy.optimize import curve_fit

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "bass_classic_diffusion_series.csv"
KEYS = ("channels.advertising.adoption_rate", "word_of_mouth.rate", "population.represents")
NAMES = ("p", "q", "m")


def load_series(product):
    """Years since launch (1, 2, ...) and the annual adoptions of one product."""
    rows = [line.split(",") for line in DATA.read_text().splitlines()[1:] if line.strip()]
    picked = [(float(r[2]), float(r[3])) for r in rows if r[0] == product]
    if not picked:
        known = sorted({r[0] for r in rows})
        raise SystemExit(f"no series {product!r} in {DATA.name}; it has {', '.join(known)}")
    t, y = (np.array(v) for v in zip(*picked))
    return t, y


def bass_cumulative(t, p, q):
    e = np.exp(-(p + q) * t)
    return (1 - e) / (1 + q / p * e)


def bass_annual(t, p, q, m):
    """Srinivasan & Mason's annual adoptions: m (F(t) - F(t - 1))."""
    return m * (bass_cumulative(t, p, q) - bass_cumulative(t - 1, p, q))


def least_squares(t, y):
    """(p, q, m), their standard errors, and the residual standard error."""
    start = [0.01, 0.4, 1.3 * y.sum()]
    bounds = ([1e-5, 1e-3, y.sum()], [1, 3, 20 * y.sum()])
    estimate, covariance = curve_fit(bass_annual, t, y, p0=start, bounds=bounds)
    residual = y - bass_annual(t, *estimate)
    sd = float(np.sqrt((residual ** 2).sum() / (len(t) - 3)))
    return estimate, np.sqrt(np.diag(covariance)), sd


def boxes(y):
    """The uniform priors: p and q per year, m from the adoptions seen to three times them."""
    return ((0.001, 0.05), (0.1, 1.2), (float(y.sum()), 3 * float(y.sum())))


def calibrate(product, customers=5000, dt=0.05, walkers=12, steps=1000, threads=2, work=None):
    """Runs custsim calibrate on one series; a dict of the posterior's numbers."""
    t, y = load_series(product)
    _, _, sd = least_squares(t, y)
    work = Path(work or tempfile.mkdtemp(prefix="bass_classic_"))
    data = work / f"{product}.csv"
    data.write_text("day,kpi,value,sd\n" +
                    "".join(f"{int(d)},adopted,{v:g},{sd:.6g}\n" for d, v in zip(t, y)))
    binary = os.environ.get("CUSTSIM_BIN", str(ROOT / "build" / "release" / "core" / "custsim"))
    out = work / f"{product}_posterior.h5"
    command = [binary, "calibrate", str(ROOT / "scenarios" / "bass.yaml"), "--data", str(data),
               "--set", f"days={len(t)}", "--set", f"dt={dt}", "--set", "record_every=1",
               "--set", f"population.customers={customers}", "--walkers", str(walkers),
               "--steps", str(steps), "--threads", str(threads), "-o", str(out), "--quiet"]
    for key, (low, high) in zip(KEYS, boxes(y)):
        command += ["--fit", f"{key}={low:g}:{high:g}"]
    started = time.monotonic()
    subprocess.run(command, check=True)
    with h5py.File(out) as f:
        posterior = {name: f[f"posterior/{name}"][:] for name in ("median", "low", "high")}
        posterior["r_hat"] = f["diagnostics/r_hat"][:]
        posterior["evaluations"] = int(f.attrs["evaluations"])
    posterior["wall_seconds"] = time.monotonic() - started
    return posterior


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", nargs="+",
                        default=["room_air_conditioners", "color_televisions", "clothes_dryers"])
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--dt", type=float, default=0.05)
    parser.add_argument("--walkers", type=int, default=12)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    print("| series | key | custsim median [90 %] | R-hat | least squares +- se |")
    print("|---|---|---|---|---|")
    for product in args.series:
        t, y = load_series(product)
        estimate, se, sd = least_squares(t, y)
        fit = calibrate(product, args.customers, args.dt, args.walkers, args.steps, args.threads)
        for d, name in enumerate(NAMES):
            print(f"| {product} | {name} | {fit['median'][d]:.4g} [{fit['low'][d]:.4g}, "
                  f"{fit['high'][d]:.4g}] | {fit['r_hat'][d]:.3f} | "
                  f"{estimate[d]:.4g} +- {se[d]:.2g} |")
        print(f"<!-- {product}: sd {sd:.4g}, {fit['evaluations']} evaluations in "
              f"{fit['wall_seconds']:.0f} s -->", flush=True)


if __name__ == "__main__":
    sys.exit(main())
