"""docs/tutorial.md stays true: its variant file is valid, runs the same as its two --set
changes, and compare, run and report work on it as the tutorial says (at a small size)."""
import os
import re
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("CUSTSIM_BIN", str(ROOT / "build/release/core/custsim"))
TUTORIAL = (ROOT / "docs/tutorial.md").read_text()
SMALL = ["--set", "population.customers=4000", "--set", "days=60", "--set", "replicates=2",
         "--quiet"]


def custsim(*args, cwd=ROOT):
    return subprocess.run([BIN, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=900)


def variant(tmp_path):
    """The tutorial's `my/tv_to_service.yaml`, written where the tutorial writes it (beside
    scenarios/, in a copy of the layout: `extends: ../scenarios/baseline.yaml`)."""
    text = re.search(r"<<'YAML'\n(.*?)\nYAML\n", TUTORIAL, re.S).group(1)
    (tmp_path / "my").mkdir()
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    path = tmp_path / "my/tv_to_service.yaml"
    path.write_text(text + "\n")
    return path


def test_the_variant_is_valid_and_equals_its_two_sets(tmp_path):
    path = variant(tmp_path)
    done = custsim("validate", path)
    assert done.returncode == 0, done.stderr
    sets = re.findall(r"--set (brands\.focal\.[\w.]+=[\d.]+)", TUTORIAL.replace("\n", " "))
    assert sets == ["brands.focal.media.tv.spend_per_day=42", "brands.focal.service.agents=0.37"]
    a, b = tmp_path / "file.h5", tmp_path / "sets.h5"
    assert custsim("run", path, *SMALL, "-o", a).returncode == 0
    args = [x for s in sets for x in ("--set", s)]
    assert custsim("run", "scenarios/baseline.yaml", *args, *SMALL, "-o", b).returncode == 0
    with h5py.File(a) as fa, h5py.File(b) as fb:
        for kpi in ("customers", "profit", "media_cost", "service_cost"):
            np.testing.assert_array_equal(fa["final"][kpi][:], fb["final"][kpi][:])


def test_compare_and_report_run_as_the_tutorial_says(tmp_path):
    path = variant(tmp_path)
    done = custsim("compare", "scenarios/baseline.yaml", path, *SMALL, "--plot",
                   tmp_path / "compare.png", "--csv", tmp_path / "compare.csv")
    assert done.returncode == 0, done.stderr
    assert "baseline vs tv_to_service: 2 paired replicates" in done.stdout
    # 18 a day moved for 60 days, the sample's share of the market's money (4 000 of 100 000)
    moved = 18 * 60 * 4000 / 100000
    table = pd.read_csv(tmp_path / "compare.csv").set_index("kpi")
    assert table.loc["media_cost", "difference"] == pytest.approx(-moved, rel=1e-9)
    assert table.loc["service_cost", "difference"] == pytest.approx(moved, rel=1e-9)
    assert (tmp_path / "compare.png").stat().st_size > 10000
    a, b = tmp_path / "baseline.h5", tmp_path / "tv_to_service.h5"
    assert custsim("run", "scenarios/baseline.yaml", *SMALL, "-o", a).returncode == 0
    assert custsim("run", path, *SMALL, "-o", b).returncode == 0
    done = custsim("report", a, b, "-o", tmp_path / "report.html", "--question",
                   "What if we move 30 % of TV into the call centre?")
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "report.html").read_text()
    assert "brands.focal.service.agents</code></td><td>0.25</td><td>0.37</td>" in page
    assert "Paired differences" in page
