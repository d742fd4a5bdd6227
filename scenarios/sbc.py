#!/usr/bin/python3
"""Simulation-based calibration of `custsim calibrate` on the Bass special case
(docs/calibration.md, "Checks"; Talts et al. 2018, "Validating Bayesian inference algorithms with
simulation-based calibration", arXiv:1804.06788, in its coverage form).

Twenty times: a true (p, q) drawn from the uniform prior; data for 2-day windows from it; then
p and q fitted with the model's sample of `--customers` customers standing for a market of
`--market` people (population.represents), common random numbers within each fit, one
replicate per evaluation, the model's seed 1 + i for data set i: the seed is the method's own
randomness (one replicate's chance, kept fixed through a calibration by common random numbers),
and simulation-based calibration needs every replication independent, the method's randomness
included. With one seed for all (`--fixed-model-seed`) that seed's realisation errs the same
way in all 20 fits, and its error shows as a bias shared by the 20 (docs/calibration.md). The
data, by `--noise`:

- `measurement` (the default, and the suite's check): the model's expected adoptions in each
  window (the large-population limit of the simulation's own discrete step,
  F(k+1) = F(k) + (1 - F(k)) (1 - exp(-(p + q F(k)) dt)), times the market) plus independent
  Gaussian noise of a stated sd (10 % of the expected count, plus 1), given in the `sd` column:
  the likelihood's assumptions hold, so this checks the method itself (optimiser, sampler,
  quantiles, the simulation's variance);
- `diffusion`: one run of the simulation at the truth in the market of `--market` people (its own
  seed), counted as it is, with no `sd` (the likelihood's Poisson default for counts). This
  noise is the diffusion's own: an early shortfall of adopters delays the whole curve, so
  successive windows err together, which the likelihood (rows independent) does not know.

The checks, exit code 1 if either fails:
- the 90 % intervals cover the truth in at least 15 of the 20 data sets, for each key (with
  calibrated intervals, the count is binomial(20, 0.9): below 15 with probability 1.1 %);
- the point estimate (posterior median) is unbiased: the mean of (median - truth) over the data
  sets is within 2 standard errors of 0 (the standard error: the sample sd / sqrt(20)).

    PYTHONPATH=build/release/python /usr/bin/python3 scenarios/sbc.py --threads 2
    PYTHONPATH=build/release/python /usr/bin/python3 scenarios/sbc.py --threads 2 \\
        --method emulator     # the same check of `calibrate --method emulator`
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import custsim

BASS = Path(__file__).resolve().parent / "bass.yaml"
PRIOR = {"channels.advertising.adoption_rate": (0.01, 0.05), "word_of_mouth.rate": (0.2, 0.6)}


def scenario(settings, customers, seed, truth=None):
    s = custsim.load_scenario(BASS, days=settings.days, dt=settings.dt, record_every=2,
                              population__customers=customers, seed=seed, replicates=1)
    for key, value in (truth or {}).items():
        s[key] = value
    return s


def expected(settings, truth):
    """The simulation's expected adoptions per 2-day window in the market (large-N limit)."""
    p, q = truth.values()
    steps_per_window = round(2 / settings.dt)
    cumulative, windows = 0.0, []
    for _ in range(int(settings.days) // 2):
        start = cumulative
        for _ in range(steps_per_window):
            cumulative += (1 - cumulative) * -np.expm1(-(p + q * cumulative) * settings.dt)
        windows.append(settings.market * (cumulative - start))
    return np.array(windows)


def observe(settings, truth, seed, path):
    """The data of one truth: 2-day adoption counts with `settings.noise` (module docstring)."""
    days = range(2, int(settings.days) + 1, 2)
    if settings.noise == "measurement":
        mean = expected(settings, truth)
        sd = 0.1 * mean + 1
        value = mean + sd * np.random.default_rng(seed).standard_normal(len(mean))
        rows = [f"{d},adopted,{v:.6g},{s:.6g}" for d, v, s in zip(days, value, sd)]
        Path(path).write_text("day,kpi,value,sd\n" + "\n".join(rows) + "\n")
        return
    r = custsim.run(scenario(settings, settings.market, seed, truth), progress=False)
    day = np.asarray(r.time)
    adopted = np.asarray(r.timeseries("adopted"))[0]          # cumulative since day 0
    rows = [f"{d},adopted,{adopted[day == d][0] - adopted[day == d - 2][0]:.0f}" for d in days]
    Path(path).write_text("day,kpi,value\n" + "\n".join(rows) + "\n")


def fit(settings, path, seed):
    """The posterior median and 90 % interval of each key, the model run with `seed`."""
    s = scenario(settings, settings.customers, seed)
    s["population.represents"] = settings.market
    ensemble = settings.method == "ensemble"  # else the emulator's own defaults unless given
    walkers = settings.walkers if settings.walkers is not None else (8 if ensemble else 0)
    steps = settings.steps if settings.steps is not None else (200 if ensemble else 0)
    c = custsim.calibrate(s, path, PRIOR, replicates=1, walkers=walkers, steps=steps,
                          threads=settings.threads, method=settings.method,
                          evaluations=settings.evaluations)
    table = c.summary()
    return table, c.evaluations


def check(truths, tables):
    """Coverage and bias per key; prints them and returns whether all hold."""
    ok = True
    n = len(truths)
    for key in PRIOR:
        truth = np.array([t[key] for t in truths])
        median = np.array([t.loc[key, "median"] for t in tables])
        low = np.array([t.loc[key, "low"] for t in tables])
        high = np.array([t.loc[key, "high"] for t in tables])
        covered = int(((low <= truth) & (truth <= high)).sum())
        error = median - truth
        bias, se = error.mean(), error.std(ddof=1) / np.sqrt(n)
        r_hat = np.array([t.loc[key, "r_hat"] for t in tables])
        good = covered >= 15 * n / 20 and abs(bias) <= 2 * se
        ok &= good
        print(f"{key}: 90 % interval covers the truth in {covered} of {n}; bias of the median "
              f"{bias:+.4g} +- {se:.2g} (mean interval width {np.mean(high - low):.3g}; R-hat "
              f"median {np.median(r_hat):.2f}, max {r_hat.max():.2f}): "
              f"{'ok' if good else 'FAILED'}")
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--noise", choices=("measurement", "diffusion"), default="measurement")
    parser.add_argument("--datasets", type=int, default=20)
    parser.add_argument("--market", type=int, default=1000, help="people in the observed market")
    parser.add_argument("--customers", type=int, default=4000, help="the model's sample")
    parser.add_argument("--days", type=float, default=16)
    parser.add_argument("--dt", type=float, default=0.1)
    parser.add_argument("--walkers", type=int, help="default 8 (emulator: its own)")
    parser.add_argument("--steps", type=int, help="default 200 (emulator: its own)")
    parser.add_argument("--method", choices=("ensemble", "emulator"), default="ensemble")
    parser.add_argument("--evaluations", type=int, default=0,
                        help="emulator: simulator runs per fit (default: its own, 220)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026, help="seeds the truths")
    parser.add_argument("--fixed-model-seed", action="store_true",
                        help="fit every data set with the model's seed 1 (default: seed 1 + i)")
    settings = parser.parse_args()
    rng = np.random.default_rng(settings.seed)
    truths, tables, evaluations = [], [], 0
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as work:
        for i in range(settings.datasets):
            truth = {key: float(rng.uniform(*box)) for key, box in PRIOR.items()}
            path = Path(work) / f"data_{i}.csv"
            observe(settings, truth, 1000 + i, path)
            model_seed = 1 if settings.fixed_model_seed else 1 + i
            table, used = fit(settings, path, model_seed)
            truths.append(truth)
            tables.append(table)
            evaluations += used
            print(f"data set {i + 1}: truth " +
                  ", ".join(f"{v:.4g} in [{table.loc[k, 'low']:.4g}, {table.loc[k, 'high']:.4g}]"
                            for k, v in truth.items()), flush=True)
    ok = check(truths, tables)
    print(f"{settings.datasets} data sets, {evaluations} evaluations in "
          f"{time.monotonic() - started:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
