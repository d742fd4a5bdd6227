#!/usr/bin/python3
"""Recovery of the journey model's keys from a synthetic client (docs/calibration.md, "Checks").

The client is scenarios/synthetic_client.py's: the baseline with its defaults (the truth) run
with seed 7, observed as weekly purchases and a quarterly awareness survey of 1 000 people.

`profile` prints the log-likelihood (custsim.log_likelihood, the calibration's own) along each
key's box with the other keys at the truth: a key whose profile is flat within a few units over
its box is not identified by these data. `fit` writes the client's data, runs `custsim calibrate`
(seed 1, one replicate per evaluation) and prints each key's median, 90 % interval, R-hat, and
whether the interval holds the truth; exit code 1 if one does not.

    PYTHONPATH=build/release/python /usr/bin/python3 scenarios/journey_recovery.py profile
    PYTHONPATH=build/release/python /usr/bin/python3 scenarios/journey_recovery.py fit \\
        --keys memory_per_touch word_of_mouth memory_days initial_awareness --walkers 8 --steps 250
    PYTHONPATH=build/release/python /usr/bin/python3 scenarios/journey_recovery.py fit \\
        --launch-wave --keys memory_per_touch word_of_mouth memory_days initial_awareness \\
        --method emulator --evaluations 2000

`--customers 5000 --weeks 26` is the small client of the suite's check. `partial --partial
OUT.h5.partial --keys ...` summarises the chain so far of a fit that was interrupted (the keys
in the fit's order).
CUSTSIM_BIN names the custsim binary (default build/release/core/custsim).
"""
import argparse
import concurrent.futures
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import h5py
import numpy as np

import custsim
import synthetic_client

HERE = Path(__file__).resolve().parent
BASELINE = HERE / "baseline.yaml"
# name: (scenario key, the truth: the baseline's value, the uniform prior's box)
KEYS = {
    "purchase_intent": ("journey.purchase_intent", 0.0, (-1, 1)),
    "decide_rate": ("journey.decide_rate", 0.1, (0.05, 0.3)),
    "word_of_mouth": ("word_of_mouth.rate", 0.005, (0.001, 0.02)),
    "memory_per_touch": ("markets.home.memory_per_touch", 0.25, (0.1, 0.5)),
    "memory_days": ("journey.memory_days", 30, (10, 60)),
    "initial_awareness": ("brands.focal.initial_awareness", 0.1, (0.02, 0.3)),
    "need_window_days": ("journey.need_window_days", 30, (10, 60)),
}


def model(settings, point=None):
    s = custsim.load_scenario(BASELINE, population__customers=settings.customers, replicates=1,
                              days=365 if settings.weeks == 52 else 7 * settings.weeks)
    for key, value in (point or {}).items():
        s[key] = value
    return s


def profile(settings, data):
    """The log-likelihood on a grid of each key's box, the others at the truth."""
    points = [{}]
    for name in settings.keys:
        key, _, (low, high) = KEYS[name]
        points += [{key: float(x)} for x in np.linspace(low, high, settings.grid)]

    def one(point):
        return custsim.log_likelihood(model(settings, point), data, threads=1)["log_likelihood"]

    with concurrent.futures.ThreadPoolExecutor(settings.threads) as pool:
        values = list(pool.map(one, points))
    print(f"log-likelihood at the truth: {values[0]:.1f}")
    for i, name in enumerate(settings.keys):
        key, truth, (low, high) = KEYS[name]
        row = values[1 + i * settings.grid:1 + (i + 1) * settings.grid]
        grid = np.linspace(low, high, settings.grid)
        print(f"{key} (truth {truth:g}): max - min {max(row) - min(row):.1f}; " +
              " ".join(f"{x:.3g}:{v:.1f}" for x, v in zip(grid, row)))
    return 0


def fit(settings, data, work):
    binary = os.environ.get("CUSTSIM_BIN", str(HERE.parent / "build" / "release" / "core" /
                                               "custsim"))
    out = Path(work) / "journey_posterior.h5"
    command = [binary, "calibrate", str(BASELINE), "--data", str(data), "--set",
               f"population.customers={settings.customers}", "--set",
               f"days={365 if settings.weeks == 52 else 7 * settings.weeks}", "--replicates", "1",
               "--threads", str(settings.threads), "-o", str(out), "--method", settings.method]
    # the emulator's own defaults unless given (32 walkers x 10 000 steps on the emulator)
    for option, value, default in (("--walkers", settings.walkers, 8),
                                   ("--steps", settings.steps, 250)):
        if value is not None or settings.method == "ensemble":
            command += [option, str(default if value is None else value)]
    if settings.method == "emulator":
        command += ["--evaluations", str(settings.evaluations), "--tolerance",
                    str(settings.tolerance)]
    for name in settings.keys:
        key, _, (low, high) = KEYS[name]
        command += ["--fit", f"{key}={low:g}:{high:g}"]
    subprocess.run(command, check=True)
    ok = True
    with h5py.File(out) as f:
        median, low, high = (f[f"posterior/{q}"][:] for q in ("median", "low", "high"))
        r_hat = f["diagnostics/r_hat"][:]
        samples = f["samples"][:]
        print(f"{f.attrs['method']}: {f.attrs['evaluations']} evaluations in "
              f"{f.attrs['seconds']} s")
    for d, name in enumerate(settings.keys):
        key, truth, _ = KEYS[name]
        inside = low[d] <= truth <= high[d]
        ok &= bool(inside)
        print(f"{key}: truth {truth:g}, median {median[d]:.4g} [{low[d]:.4g}, {high[d]:.4g}], "
              f"R-hat {r_hat[d]:.3f}: {'recovered' if inside else 'NOT COVERED'}")
    correlation = np.corrcoef(samples.T)
    print("posterior correlations:\n" + np.array2string(correlation, precision=2))
    return 0 if ok else 1


def split_r_hat(chain):
    """Gelman et al.'s split R-hat of one key, [step][walker], as custsim computes it."""
    h = chain.shape[0] // 2
    halves = np.concatenate([chain[:h], chain[chain.shape[0] - h:]], axis=1)
    within = halves.var(axis=0, ddof=1).mean()
    between = h * halves.mean(axis=0).var(ddof=1)
    return float(np.sqrt(((h - 1) / h * within + between / h) / within))


def partial(settings):
    """The chain so far of an interrupted `fit` (its OUT.h5.partial): each key's median and 90 %
    interval over the second half of the steps done, and its split R-hat."""
    with h5py.File(settings.partial) as f:
        chain = f["chain/positions"][:]
        evaluations = int(f["numbers"][1])
    kept = chain[chain.shape[0] // 2:]
    print(f"{chain.shape[0]} steps of {chain.shape[1]} walkers done, {evaluations} evaluations; "
          f"the last {kept.shape[0]} steps kept")
    ok = True
    for d, name in enumerate(settings.keys):
        key, truth, _ = KEYS[name]
        low, median, high = np.quantile(kept[:, :, d], [0.05, 0.5, 0.95])
        ok &= bool(low <= truth <= high)
        print(f"{key}: truth {truth:g}, median {median:.4g} [{low:.4g}, {high:.4g}], "
              f"R-hat {split_r_hat(kept[:, :, d]):.3f}")
    print("correlations:\n" + np.array2string(np.corrcoef(kept.reshape(-1, chain.shape[2]).T),
                                                precision=2))
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("profile", "fit", "partial"))
    parser.add_argument("--keys", nargs="+", choices=list(KEYS), default=list(KEYS))
    parser.add_argument("--customers", type=int, default=20000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--launch-wave", action="store_true",
                        help="the client's survey has a wave at day 0 too")
    parser.add_argument("--grid", type=int, default=9, help="profile: points per key")
    parser.add_argument("--walkers", type=int, help="default 8 (emulator: its own, 32)")
    parser.add_argument("--steps", type=int, help="default 250 (emulator: its own, 10 000)")
    parser.add_argument("--method", choices=("ensemble", "emulator"), default="ensemble")
    parser.add_argument("--evaluations", type=int, default=2000,
                        help="emulator: simulator runs at most")
    parser.add_argument("--tolerance", type=float, default=0.5,
                        help="emulator: its sd at its posterior's samples to stop at")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--work", help="where the data and posterior go (default: a temporary "
                                       "directory)")
    parser.add_argument("--partial", help="partial: the OUT.h5.partial of an interrupted fit")
    settings = parser.parse_args()
    if settings.what == "partial":
        return partial(settings)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(settings.work or scratch)
        work.mkdir(parents=True, exist_ok=True)
        data = work / "client.csv"
        synthetic_client.main(data, settings.customers, settings.weeks, settings.launch_wave)
        if settings.what == "profile":
            return profile(settings, data)
        return fit(settings, data, work)


if __name__ == "__main__":
    sys.exit(main())
