"""The explorer as a person would see it: rendered off-screen under Xvfb (Mesa's software
OpenGL), the screenshot must show the plots with data in them and the network panel."""
import os
import subprocess
from pathlib import Path

import matplotlib.image
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
EXPLORER = os.environ.get("CUSTSIM_EXPLORER", str(ROOT / "build/release/viz/custsim-explorer"))


def near(image, rgb, tolerance=12):
    return np.all(np.abs(image[:, :, :3] * 255 - np.array(rgb)) <= tolerance, axis=2)


def test_screenshot_shows_plots_with_data(tmp_path):
    out = tmp_path / "explorer.png"
    done = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", EXPLORER,
                           "--scenario", "scenarios/baseline.yaml", "--run-days", "60",
                           "--replicates", "3", "--export", str(tmp_path / "batch.h5"),
                           "--screenshot", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    image = matplotlib.image.imread(out)
    assert image.shape[:2] == (1000, 1600)
    colours = np.unique((image[:, :, :3] * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 100, "a blank or flat window"
    # The plots' lines (blue, orange, green...) are drawn, over many pixels: data, not just axes.
    assert near(image, (31, 119, 180)).sum() > 2000
    assert near(image, (44, 160, 44)).sum() > 500
    # The KPI plots fill the upper right, the network panel the lower right: both have content.
    upper = image[60:600, 400:1600, :3]
    lower = image[720:1000, 400:900, :3]
    assert upper.std() > 0.05 and lower.std() > 0.05
    # Customers in the network panel, coloured by stage (aware blue, customer green).
    assert near(lower, (120, 170, 230)).sum() + near(lower, (40, 160, 60)).sum() > 50
    # The batch of replicates is exported as a results file like custsim run's.
    import h5py
    with h5py.File(tmp_path / "batch.h5") as f:
        assert f.attrs["replicates"] == 3
        assert f["timeseries/customers"].shape == (3, 61)
        assert list(f["channels"].attrs["names"])[0] == "tv"


def test_bad_scenario_is_refused_before_any_window():
    done = subprocess.run([EXPLORER, "--scenario", "scenarios/bass.yaml"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "needs a journey scenario" in done.stderr
