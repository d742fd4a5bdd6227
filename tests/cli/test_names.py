"""Addressing list items by name in --set, sweep parameters and derived keys: a brand's flight by
its channel gives what its position gives; unknown and ambiguous names are refused (issue 17)."""
import os
import subprocess
from pathlib import Path

import h5py
import numpy as np

from h5compare import assert_same

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("CUSTSIM_BIN", str(ROOT / "build/release/core/custsim"))
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SMALL = ["--set", "population.customers=3000", "--set", "days=30", "--replicates", 2]


def custsim(*args):
    return subprocess.run([BIN, *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


def test_a_flight_by_channel_runs_as_the_same_flight_by_position(tmp_path):
    # baseline.yaml: the focal brand's media[0] is TV (60 a day), media[1] search.
    by_position, by_name = tmp_path / "position.h5", tmp_path / "name.h5"
    for out, keys in ((by_position, ["brands.focal.media[0].spend_per_day=80",
                                     "brands[0].media[1].from=10"]),
                      (by_name, ["brands.focal.media.tv.spend_per_day=80",
                                 "brands.focal.media.search.from=10"])):
        sets = [arg for key in keys for arg in ("--set", key)]
        done = custsim("run", BASELINE, *SMALL, *sets, "-o", out, "--quiet")
        assert done.returncode == 0, done.stderr
    assert_same(by_position, by_name)
    unchanged = tmp_path / "unchanged.h5"
    assert custsim("run", BASELINE, *SMALL, "-o", unchanged, "--quiet").returncode == 0
    with h5py.File(by_name) as f, h5py.File(unchanged) as g:
        assert "spend_per_day: 80" in f.attrs["scenario_yaml"]
        # 20 a day more on TV for 30 days; 10 days less of search's 40: the market's money, of
        # which the 3 000 customers book their share of 100 000.
        np.testing.assert_allclose(f["final/media_cost"][:] - g["final/media_cost"][:],
                                   (20 * 30 - 40 * 10) * 3000 / 100000)


def test_an_unknown_name_is_refused_with_the_known_ones():
    flight = custsim("validate", BASELINE, "--set", "brands.focal.media.radio.spend_per_day=8")
    assert flight.returncode == 2 and flight.stdout == ""
    assert ("--set brands.focal.media.radio.spend_per_day=8: brands.focal.media: has no flight "
            "on channel 'radio' (its flights are on: tv, search, social, influencer, email, "
            "store, packaging)") in flight.stderr
    rival = custsim("validate", BASELINE, "--set", "brands.rival.media.social.spend_per_day=8")
    assert rival.returncode == 2
    assert "has no flight on channel 'social' (its flights are on: tv, search)" in rival.stderr
    channel = custsim("validate", BASELINE, "--set", "channels.radio.cpm=3")
    assert channel.returncode == 2
    assert ("channels: has no item named 'radio' (names: tv, search, social, influencer, email, "
            "store, packaging)") in channel.stderr


def test_a_channel_with_several_flights_is_refused_with_their_positions():
    # two_markets.yaml: the focal brand buys TV at home (media[0]) and abroad (media[7]).
    done = custsim("validate", ROOT / "scenarios" / "two_markets.yaml",
                   "--set", "brands.focal.media.tv.spend_per_day=80")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert ("brands.focal.media.tv: 2 flights are on channel 'tv', so the name does not say "
            "which; address one by position: brands.focal.media[0] (market home), "
            "brands.focal.media[7] (market abroad)") in done.stderr
    one = custsim("validate", ROOT / "scenarios" / "two_markets.yaml",
                  "--set", "brands.focal.media[7].spend_per_day=80",
                  "--set", "brands.focal.media.store.spend_per_day=10")  # home only
    assert one.returncode == 0, one.stderr


def sweep(tmp_path, name, tv, search):
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"base: {BASELINE}\n"
                    "set: [population.customers=3000, days=30, replicates=2]\n"
                    "parameters:\n"
                    f"  - key: {tv}\n"
                    "    values: [20, 90]\n"
                    "  - name: budget\n"
                    "    values: [50, 100]\n"
                    "derived:\n"
                    f"  {search}: budget - 10\n")
    return path


def test_sweeps_take_names_in_parameters_and_derived_keys(tmp_path):
    files = {}
    for name, tv, search in (("position", "brands.focal.media[0].spend_per_day",
                              "brands.focal.media[1].spend_per_day"),
                             ("name", "brands.focal.media.tv.spend_per_day",
                              "brands.focal.media.search.spend_per_day")):
        files[name] = tmp_path / f"{name}.h5"
        done = custsim("sweep", sweep(tmp_path, name, tv, search), "-o", files[name], "--quiet")
        assert done.returncode == 0, done.stderr
    with h5py.File(files["position"]) as a, h5py.File(files["name"]) as b:
        np.testing.assert_array_equal(b["points/brands.focal.media.tv.spend_per_day"][:],
                                      [20, 20, 90, 90])
        np.testing.assert_array_equal(b["points/brands.focal.media.search.spend_per_day"][:],
                                      [40, 90, 40, 90])
        assert a["final"].keys() == b["final"].keys()
        for kpi in a["final"]:
            np.testing.assert_array_equal(a["final"][kpi][:], b["final"][kpi][:], err_msg=kpi)
    bad = sweep(tmp_path, "bad", "brands.focal.media.radio.spend_per_day",
                "brands.focal.media.search.spend_per_day")
    done = custsim("validate", bad)
    assert done.returncode == 2
    assert "has no flight on channel 'radio' (its flights are on: tv, search" in done.stderr
