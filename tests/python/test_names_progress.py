"""Names for a brand's flights, sweeps from dicts, and progress bars fed by the engine while it
runs without the GIL (issue 17)."""
import io
from pathlib import Path

import numpy as np
import pytest
from tqdm import tqdm

import custsim

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def small(path=BASELINE, **changes):
    settings = {"population__customers": 2000, "days": 20}
    settings.update(changes)
    return custsim.load_scenario(path, **settings)


def test_a_flight_is_read_and_changed_by_its_channel():
    s = small()
    assert s["brands.focal.media.tv.spend_per_day"] == s["brands.focal.media[0].spend_per_day"]
    assert s["brands.focal.media.search"] == s["brands[0].media[1]"]
    s["brands.focal.media.tv.spend_per_day"] = 80
    assert s["brands.focal.media[0].spend_per_day"] == 80
    assert s["brands.rival.media.tv.spend_per_day"] == 100  # the rival's own TV flight
    # Markets, segments, channels and brands by their name, as before.
    s["segments.seniors.need_rate"] = 0.02
    s["markets.home.consent_rate"] = 0.5
    assert s["segments[2].need_rate"] == 0.02 and s["markets[0].consent_rate"] == 0.5
    with pytest.raises(KeyError, match=r"no flight on channel 'radio' \(known: tv, search, "):
        s["brands.focal.media.radio.spend_per_day"]
    with pytest.raises(ValueError, match="has no flight on channel 'radio'"):
        s["brands.focal.media.radio.spend_per_day"] = 1
    two = small(ROOT / "scenarios" / "two_markets.yaml")
    with pytest.raises(KeyError, match=r"2 flights are on channel 'tv'.*media\[0\], .*media\[7\]"):
        two["brands.focal.media.tv"]
    with pytest.raises(ValueError, match=r"brands.focal.media\[0\] \(market home\)"):
        two["brands.focal.media.tv.spend_per_day"] = 1


def test_a_sweep_from_a_dict_is_the_sweep_from_its_file(tmp_path):
    spec = {"base": small(), "set": ["replicates=2"], "design": "grid",
            "parameters": [{"key": "brands.focal.media.tv.spend_per_day", "values": [20, 90]},
                           {"name": "budget", "values": np.array([50.0, 100.0])}],
            "derived": {"brands.focal.media.search.spend_per_day": "budget / 2"}}
    from_dict = custsim.sweep(spec)
    path = tmp_path / "sweep.yaml"
    path.write_text(custsim.sweep_yaml(spec, folder=tmp_path))
    from_file = custsim.sweep(path)
    assert len(from_dict) == 8
    assert list(from_dict["brands.focal.media.tv.spend_per_day"]) == [20] * 4 + [90] * 4
    for column in from_file:
        np.testing.assert_array_equal(from_dict[column], from_file[column], err_msg=column)
    # Point 0 is the Scenario (2 000 customers, 20 days) with TV at 20 and search at 25.
    point = small(replicates=2)
    point["brands.focal.media.tv.spend_per_day"] = 20
    point["brands.focal.media.search.spend_per_day"] = 25
    np.testing.assert_array_equal(custsim.run(point).final("profit"),
                                  from_dict[from_dict.point == 0]["profit"])
    points = custsim.sweep({"base": str(BASELINE), "set": ["population.customers=2000",
                                                           "days=20"],
                            "parameters": [{"key": "days", "values": [20]}]})
    assert len(points) == 5  # the baseline's 5 replicates
    with pytest.raises(ValueError, match="has no flight on channel 'radio'"):
        custsim.sweep({"base": small(), "parameters": [
            {"key": "brands.focal.media.radio.spend_per_day", "values": [1]}]})
    with pytest.raises(ValueError, match=r"parameters\[0\].values: must be a list of numbers"):
        custsim.sweep({"base": small(), "parameters": [{"key": "days", "values": "many"}]})
    with pytest.raises(ValueError, match="base: no such file"):
        custsim.sweep({"base": "no/such.yaml", "parameters": [{"key": "days", "values": [1]}]})


def test_progress_reaches_a_tqdm_bar_of_ones_own():
    s = small(replicates=2)
    stream = io.StringIO()
    with tqdm(file=stream, mininterval=0) as bar:
        custsim.run(s, progress=bar)
        assert bar.total == bar.n == 2 * 20  # replicate-days
    assert "100%" in stream.getvalue()
    stream = io.StringIO()
    with tqdm(file=stream, mininterval=0) as bar:
        custsim.compare(s, small(ROOT / "scenarios" / "ads_heavy.yaml"), replicates=2,
                        progress=bar)
        assert bar.total == bar.n == 3 * 2 * 20  # A, B, and B with another seed
    with tqdm(file=io.StringIO()) as bar:
        custsim.response(s, "tv", [0, 50], progress=bar)
        assert bar.total == bar.n == 3 * 2 * 20


def test_progress_true_draws_tqdm_on_stderr_and_none_stays_silent_when_not_interactive(capsys):
    s = small(replicates=1)
    custsim.run(s)
    assert capsys.readouterr().err == ""  # pytest's stderr is not a terminal
    custsim.run(s, progress=True)
    err = capsys.readouterr().err
    assert "run: 100%" in err, err
    custsim.run(s, progress=False)
    assert capsys.readouterr().err == ""
    with pytest.raises(ValueError, match="progress: must be None, True, False or a tqdm-like"):
        custsim.run(s, progress="yes")


class Refusing:
    """A bar whose update raises, as a notebook's interrupted widget might."""
    total = 0
    calls = 0

    def update(self, n):
        self.calls += 1
        raise RuntimeError("the bar broke")


def test_what_the_bar_raises_stops_the_run_and_comes_out_as_itself():
    # The engine calls the bar at once from the step loop (GIL taken back): the error stops the
    # run and is raised in the caller, not a crash and not a cancelled run.
    bar = Refusing()
    with pytest.raises(RuntimeError, match="the bar broke"):
        custsim.run(small(days=200), progress=bar)
    assert bar.calls == 1
    with pytest.raises(RuntimeError, match="the bar broke"):
        custsim.compare(small(), small(), replicates=2, progress=Refusing())
