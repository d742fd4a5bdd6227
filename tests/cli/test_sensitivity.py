"""custsim sensitivity: the ranked table, the HDF5 file, the same numbers on any thread layout,
and clear refusals."""
import os
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("CUSTSIM_BIN", str(ROOT / "build/release/core/custsim"))
SMALL = ["--set", "population.customers=2000", "--set", "days=30", "--replicates", 2]
# The discount rate only enters the CLV: with common random numbers its effect on profit is 0.
KEYS = ["--keys", "brands.focal.price=10:14", "journey.discount_rate=0.05:0.2",
        "word_of_mouth.rate=0.002:0.01"]


def custsim(*args):
    return subprocess.run([BIN, *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


def datasets(path):
    out = {}
    with h5py.File(path) as f:
        f.visititems(lambda name, item: out.__setitem__(name, item[()])
                     if isinstance(item, h5py.Dataset) else None)
        return out, dict(f.attrs)


def test_morris_ranks_the_keys_and_writes_design_outputs_and_indices(tmp_path):
    out = tmp_path / "morris.h5"
    done = custsim("sensitivity", "scenarios/baseline.yaml", *KEYS, "--kpi", "profit",
                   "--samples", 4, *SMALL, "--threads", 1, "-o", out, "--quiet")
    assert done.returncode == 0, done.stderr
    assert "Morris screening of profit" in done.stdout
    assert "16 runs" in done.stdout
    rows = [line.split() for line in done.stdout.splitlines() if line[:6].strip().isdigit()]
    assert [r[1] for r in rows][-1] == "journey.discount_rate"  # ranked last: no effect at all
    data, attrs = datasets(out)
    assert attrs["method"] == "morris" and attrs["kpi"] == "profit"
    assert attrs["inputs"] == "brands.focal.price,journey.discount_rate,word_of_mouth.rate"
    assert data["design/points"].shape == (16, 3) and data["design/unit"].shape == (16, 3)
    assert data["outputs/replicates"].shape == (16, 2)
    np.testing.assert_array_equal(data["outputs/mean"], data["outputs/replicates"].mean(axis=1))
    low, high = data["inputs/low"], data["inputs/high"]
    assert np.all(data["design/points"] >= low) and np.all(data["design/points"] <= high)
    mu_star = data["indices/mu_star"]
    assert mu_star[1] == 0 and mu_star[0] > 0
    assert np.all(data["indices/mu_star_low"] <= mu_star)
    assert np.all(mu_star <= data["indices/mu_star_high"])
    assert np.all(data["indices/sigma"] >= 0)
    assert not list(tmp_path.glob("*.tmp*"))


def bar_rows(png, colour):
    """The bands of pixel rows holding `colour` (0-255 RGB, drawn at alpha 0.85 over white),
    top to bottom, each as its widest run of such pixels."""
    import matplotlib.image
    image = matplotlib.image.imread(png)[..., :3] * 255
    blended = 0.85 * np.asarray(colour) + 0.15 * 255
    mask = np.all(np.abs(image - blended) < 6, axis=2)
    bands, width, inside = [], 0, False
    for row in mask:
        if row.any():
            width, inside = max(width, int(row.sum())), True
        elif inside:
            bands.append(width)
            width, inside = 0, False
    return bands


def test_morris_draws_a_tornado_with_the_most_important_key_on_top(tmp_path):
    out, png = tmp_path / "morris.h5", tmp_path / "tornado.png"
    done = custsim("sensitivity", "scenarios/baseline.yaml", *KEYS, "--kpi", "profit",
                   "--samples", 4, *SMALL, "-o", out, "--plot", png, "--quiet")
    assert done.returncode == 0, done.stderr
    assert f"plot: {png}" in done.stdout
    data, _ = datasets(out)
    mu_star = data["indices/mu_star"]
    assert mu_star[1] == 0 and mu_star[0] > 0 and mu_star[2] > 0
    # One blue bar per key with an effect (the discount rate's is empty), the longest on top,
    # their lengths in the ratio of their mu*.
    bands = bar_rows(png, (0x1F, 0x77, 0xB4))
    assert len(bands) == 2, bands
    ratio = max(mu_star) / sorted(mu_star)[1]
    assert bands[0] / bands[1] == pytest.approx(ratio, rel=0.05), (bands, mu_star)
    assert not list(tmp_path.glob("*.tmp*"))


def test_tornado_refused_before_any_run_when_it_cannot_be_drawn(tmp_path):
    done = custsim("sensitivity", "scenarios/baseline.yaml", *KEYS, "--kpi", "profit", *SMALL,
                   "-o", tmp_path / "s.h5", "--plot", tmp_path / "t.jpg")
    assert done.returncode == 2 and "plots are PNG images" in done.stderr
    assert not (tmp_path / "s.h5").exists()


def test_sobol_gives_indices_with_intervals_and_the_same_file_on_any_layout(tmp_path):
    files = []
    for i, layout in enumerate((["--threads", 1], ["--threads", 2, "--parallel-runs"])):
        out = tmp_path / f"sobol{i}.h5"
        done = custsim("sensitivity", "scenarios/baseline.yaml", *KEYS[:2], "--kpi", "purchases",
                       "--method", "sobol", "--samples", 4, "--bootstrap", 100, *SMALL, *layout,
                       "-o", out)
        assert done.returncode == 0, done.stderr
        assert "Sobol indices of purchases" in done.stdout and "12 runs" in done.stdout
        files.append(datasets(out))
    (a, attrs), (b, _) = files
    assert attrs["method"] == "sobol" and attrs["sampling"] == "quasi_random"
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    assert a["design/points"].shape == (4 * (1 + 2), 1)
    for kind in ("first", "total"):
        assert np.all(a[f"indices/{kind}_low"] <= a[f"indices/{kind}"])
        assert np.all(a[f"indices/{kind}"] <= a[f"indices/{kind}_high"])
    # With one input A_B^(1) is B: the same scenario and seed, so the same numbers exactly.
    y = a["outputs/replicates"]
    np.testing.assert_array_equal(y[2::3], y[1::3])
    assert not np.array_equal(y[0::3], y[1::3])


def test_bad_keys_kpis_and_ranges_are_refused_before_any_run():
    base = ["sensitivity", "scenarios/baseline.yaml", *SMALL]
    for args, message in [
        (["--keys", "brands.focal.pricee=10:14", "--kpi", "profit"],
         "scenarios/baseline.yaml: --keys brands.focal.pricee=10:14: at 10: brands[0].pricee: "
         "unknown key; did you mean 'price'?"),
        (["--keys", "brands.focal.price=14:10", "--kpi", "profit"], "LOW must be below HIGH"),
        (["--keys", "brands.focal.price=10:10", "--kpi", "profit"], "LOW must be below HIGH"),
        (["--keys", "brands.focal.price=ten:14", "--kpi", "profit"], "expected KEY=LOW:HIGH"),
        (["--keys", "brands.focal.quality=0:2", "--kpi", "profit"],
         "at 2: brands[0].quality: must be between 0 and 1, got 2"),
        (["--keys", "brands.focal.name=0:2", "--kpi", "profit"], "is of type text"),
        (["--keys", "graph.type=0:2", "--kpi", "profit"], "graph.type"),
        (["--keys", "brands.focal.price=10:14", "--kpi", "proft"], "did you mean profit?"),
        (["--keys", "brands.focal.price=10:14", "--kpi", "profit", "--levels", 3],
         "levels must be an even number"),
        (["--keys", "brands.focal.price=10:14", "--kpi", "profit", "-o", "no/such/dir/s.h5"],
         "there is no folder no/such/dir"),
    ]:
        done = custsim(*base, *args)
        assert done.returncode == 2, (args, done.stdout)
        assert message in done.stderr, (args, done.stderr)
