"""The Bass special case fitted to Bass's room air conditioners (scenarios/bass_classic.py) at a
cheap setting: the posterior's 90 % intervals of p, q and m must contain the independent
nonlinear least-squares estimates of Srinivasan & Mason (1986) on the same data, and must be
narrower than half their prior box (so that a posterior spread over the whole box cannot pass)."""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scenarios"))
import bass_classic  # noqa: E402


def test_room_air_conditioners_cover_the_least_squares_estimates(tmp_path):
    t, y = bass_classic.load_series("room_air_conditioners")
    estimate, se, _ = bass_classic.least_squares(t, y)
    # the least-squares fit itself is the published method's: a good fit of a hump
    assert np.all(se / estimate < 0.3)
    fit = bass_classic.calibrate("room_air_conditioners", customers=5000, dt=0.05, walkers=12,
                                 steps=200, threads=2, work=tmp_path)
    for d, (low, high) in enumerate(bass_classic.boxes(y)):
        name = bass_classic.NAMES[d]
        assert fit["low"][d] <= estimate[d] <= fit["high"][d], (name, fit, estimate)
        assert fit["high"][d] - fit["low"][d] < (high - low) / 2, (name, fit)
