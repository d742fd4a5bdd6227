"""custsim report: one self-contained HTML page, checked as text and in a real browser
(Debian's headless Chromium)."""
import base64
import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import h5py
import matplotlib.image
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("CUSTSIM_BIN", str(ROOT / "build/release/core/custsim"))
SMALL = ["--set", "population.customers=3000", "--set", "days=60", "--set", "replicates=3",
         "--quiet"]


def custsim(*args):
    return subprocess.run([BIN, *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs")
    a, b = folder / "a.h5", folder / "b.h5"
    for out, extra in ((a, []), (b, ["--set", "brands.focal.service.level=0.2"])):
        done = custsim("run", "scenarios/baseline.yaml", *SMALL, *extra, "-o", out)
        assert done.returncode == 0, done.stderr
    return a, b


@pytest.fixture(scope="module")
def page(runs, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    done = custsim("report", *runs, "-o", out, "--question", "Is a better service level worth it?")
    assert done.returncode == 0, done.stderr
    assert "self-contained" in done.stdout
    return out


def final_mean(path, kpi, scaled=True):
    with h5py.File(path) as f:
        scale = float(f.attrs["represents"][0]) / float(f.attrs["population"][0])
        return float(f["final"][kpi][:].mean()) * (scale if scaled else 1)


def test_the_page_needs_no_other_file(page):
    text = page.read_text()
    assert not re.search(r'(src|href)="(?!data:)', text), "every image and link is embedded"
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', text)
    assert len(images) >= 6  # funnel, money, service, word of mouth, channels, the comparison
    for data in images:
        picture = matplotlib.image.imread(io.BytesIO(base64.b64decode(data)), format="png")
        assert picture.shape[0] > 100 and picture.shape[1] > 300
        assert picture[..., :3].std() > 0.05  # not a blank image


def test_the_page_says_what_was_asked_and_what_differs(page):
    text = page.read_text()
    assert "Is a better service level worth it?" in text
    # the one key that differs between the two files, with both values
    row = re.search(r"<code>brands\.focal\.service\.level</code></td><td>(.*?)</td><td>(.*?)</td>",
                    text)
    assert row and row.groups() == ("0", "0.2")
    assert "brands.focal.price" not in text.split("What differs")[1].split("</table>")[0]


def test_headline_numbers_are_the_files_in_market_units(page, runs):
    text = page.read_text()
    a, b = runs
    for path in runs:
        profit = final_mean(path, "profit")
        assert f"{profit:,.0f} ±" in text
    # the paired difference of profit, b - a per replicate, its mean
    diff = final_mean(b, "profit") - final_mean(a, "profit")
    assert f"{'+' if diff > 0 else ''}{diff:,.0f}</td>" in text
    assert "Paired differences" in text


def test_a_browser_renders_plots(page, tmp_path):
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is installed by .ci/setup"
    shot = tmp_path / "shot.png"
    done = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                           "--hide-scrollbars", f"--screenshot={shot}",
                           "--window-size=1280,6000", page.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert shot.exists(), done.stderr
    picture = matplotlib.image.imread(shot)[..., :3]
    assert picture.shape[:2] == (6000, 1280)
    # the plots' first colour (matplotlib's blue, #1f77b4) is drawn in many places
    blue = np.all(np.abs(picture - np.array([31, 119, 180]) / 255) < 0.08, axis=-1)
    assert blue.sum() > 10000
    # and the page is not mostly empty: a good share of its rows hold something
    rows_with_ink = (picture.min(axis=(1, 2)) < 0.6).mean()
    assert rows_with_ink > 0.3


def test_bad_input_is_refused_and_nothing_is_left(tmp_path, runs):
    out = tmp_path / "r.html"
    missing = custsim("report", tmp_path / "none.h5", "-o", out)
    assert missing.returncode == 2 and "no such results file" in missing.stderr
    junk = tmp_path / "junk.h5"
    junk.write_text("not hdf5")
    damaged = custsim("report", junk, "-o", out)
    assert damaged.returncode == 2 and "not a custsim results file" in damaged.stderr
    assert damaged.stderr.count(str(junk)) == 1
    nowhere = custsim("report", runs[0], "-o", tmp_path / "no" / "r.html")
    assert nowhere.returncode == 2 and "there is no folder" in nowhere.stderr
    assert list(tmp_path.iterdir()) == [junk]


def test_incrementality_runs_the_scenario_without_each_channel(runs, tmp_path):
    out = tmp_path / "one.html"
    done = custsim("report", runs[0], "--incrementality", "-o", out)
    assert done.returncode == 0, done.stderr
    table = out.read_text().split("<h3>Incrementality</h3>")[1].split("</table>")[0]
    rows = re.findall(r"<tr><td>(\w+)</td><td class=\"num\">([\d,]+)</td>", table)
    with h5py.File(runs[0]) as f:
        names = [n.decode() if isinstance(n, bytes) else n for n in f["channels"].attrs["names"]]
        scale = float(f.attrs["represents"][0]) / float(f.attrs["population"][0])
        spend = f["channels/spend"][:, -1, :].mean(axis=0) * scale
    bought = [n for n, s in zip(names, spend) if s > 0]
    assert [name for name, _ in rows] == bought
    for name, shown in rows:
        assert shown == f"{spend[names.index(name)]:,.0f}"
