"""custsim.plots, the module the command line's --plot runs as a script, called from Python."""
import matplotlib.image
import numpy as np
import pytest

from custsim import plots


def test_both_kinds_draw_a_png_of_the_documented_size(tmp_path):
    x = [0, 1, 2, 3]
    panels = {"title": "t", "xlabel": "day", "x": x, "panels": [
        {"title": "replicates", "ylabel": "customers",
         "series": [{"label": "aware", "values": [[0, 1, 2, 3], [0, 2, 3, 5]]}]},
        {"title": "interval", "ylabel": "money",
         "series": [{"label": "+profit", "mean": [0, 1, 2, None], "low": [0, 0, 1, None],
                     "high": [0, 2, 3, None]}]}]}
    intervals = {"title": "t", "xlabel": "%", "groups": [
        {"name": "money", "rows": [{"label": "profit", "mean": 3.0, "low": 1.0, "high": 5.0},
                                   {"label": "it_cost", "mean": None, "low": None,
                                    "high": None}]},
        {"name": "service", "rows": [{"label": "complaints_opened", "mean": -2.0, "low": -4.0,
                                      "high": 1.0}]}]}
    for kind, spec in (("panels", panels), ("intervals", intervals)):
        path = tmp_path / f"{kind}.png"
        plots.draw(kind, spec, path)
        image = matplotlib.image.imread(path)
        assert image.shape[:2] == (plots.HEIGHT, plots.WIDTH) == (800, 1200)
        assert np.std(image[..., :3]) > 0.05


def test_tick_labels_are_fixed_point_with_separators():
    assert plots._readable(1234567.0) == "1,234,567"
    assert plots._readable(0.25) == "0.25"
    assert plots._readable(-1500.5) == "-1,500.5"
    assert plots._readable(2e15) == "2,000,000,000,000,000"


def test_an_unknown_kind_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown plot kind 'pie'; known: panels, intervals"):
        plots.draw("pie", {}, tmp_path / "x.png")
