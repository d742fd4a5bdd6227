"""Issue 17's exports: custsim export to tidy CSV, compare's grouped table, --csv, --kpis, and the
PNG plots of run, compare and response (drawn by python/custsim/plots.py)."""
import os
import re
import struct
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("CUSTSIM_BIN", str(ROOT / "build/release/core/custsim"))
# The baseline stands for a market of 100 000 people (population.represents): 4 000 customers
# stand for 25 people each.
SMALL = ["--set", "population.customers=4000", "--set", "days=20", "--replicates", 3]
SCALE = 100000 / 4000
GROUPS = ["customers", "money", "service", "word of mouth", "data"]
WIDTH, HEIGHT = 1200, 800  # plots.py's figure size in pixels


def read_csv(path):
    """Exactly the doubles written (pandas's default parser may be off in the last bit)."""
    return pd.read_csv(path, float_precision="round_trip")


def custsim(*args, env=None):
    return subprocess.run([BIN, *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env=None if env is None else {**os.environ, **env})


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "baseline.h5"
    done = custsim("run", "scenarios/baseline.yaml", *SMALL, "-o", out, "--quiet")
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    """baseline against ads_heavy: the printed table, the CSV and the HDF5 file."""
    folder = tmp_path_factory.mktemp("compare")
    done = custsim("compare", "scenarios/baseline.yaml", "scenarios/ads_heavy.yaml", *SMALL,
                   "--quiet", "-o", folder / "c.h5", "--csv", folder / "c.csv")
    assert done.returncode == 0, done.stderr
    return done.stdout, read_csv(folder / "c.csv"), folder / "c.h5"


def registry():
    done = custsim("kpis")
    assert done.returncode == 0
    rows = {}
    for line in done.stdout.splitlines()[1:]:
        path = line.split()[0]
        if path.startswith("/"):
            rows[path] = line
    return rows


def test_export_writes_tidy_files_equal_to_the_results_file(baseline, tmp_path):
    folder = tmp_path / "csv"
    done = custsim("export", baseline, "--csv", folder)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in folder.iterdir()) == [
        "brands.csv", "channels.csv", "final.csv", "markets.csv", "timeseries.csv"]
    with h5py.File(baseline) as f:
        time = f["time"][:]
        series = read_csv(folder / "timeseries.csv")
        assert list(series.columns) == ["replicate", "day", "kpi", "value", "market_value"]
        assert set(series.kpi) == set(f["timeseries"])
        for kpi in ("customers", "profit", "nps", "market_share"):
            rows = series[series.kpi == kpi]
            np.testing.assert_array_equal(rows.day.to_numpy().reshape(3, -1)[0], time)
            np.testing.assert_array_equal(rows.value.to_numpy().reshape(3, -1),
                                          f["timeseries"][kpi][:])
        final = read_csv(folder / "final.csv")
        assert list(final.columns) == ["replicate", "kpi", "value", "market_value"]
        assert set(final.kpi) == set(f["final"])  # ratios included
        for kpi in ("clv", "roi", "customers"):
            np.testing.assert_array_equal(final[final.kpi == kpi].value, f["final"][kpi][:])
        channels = read_csv(folder / "channels.csv")
        assert list(channels.columns) == ["replicate", "day", "kpi", "channel", "value",
                                          "market_value"]
        names = [n.decode() if isinstance(n, bytes) else n for n in f["channels"].attrs["names"]]
        spend = channels[channels.kpi == "spend"]
        np.testing.assert_array_equal(spend.value.to_numpy().reshape(3, len(time), len(names)),
                                      f["channels/spend"][:])
        assert list(spend.channel[:len(names)]) == names
    # market_value: counts and money times the market scale, shares and scores as they are
    for frame in (series, final, channels):
        scales = frame.kpi.isin(["customers", "profit", "revenue", "spend", "aware"])
        np.testing.assert_allclose(frame[scales].market_value, frame[scales].value * SCALE)
        kept = frame.kpi.isin(["nps", "market_share", "clv", "roi", "retention"])
        np.testing.assert_array_equal(frame[kept].market_value, frame[kept].value)
    assert "timeseries.csv" in done.stdout and "x 25" in done.stdout
    assert not list(folder.glob("*.tmp*"))


def test_export_of_a_run_that_is_its_market_has_no_market_column(tmp_path):
    out = tmp_path / "bass.h5"
    assert custsim("run", "scenarios/bass.yaml", "-o", out, "--replicates", 2, "--set", "days=5",
                   "--quiet").returncode == 0
    done = custsim("export", out, "--csv", tmp_path / "csv", "--quiet")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == ["final.csv", "timeseries.csv"]
    series = read_csv(tmp_path / "csv" / "timeseries.csv")
    assert list(series.columns) == ["replicate", "day", "kpi", "value"]
    with h5py.File(out) as f:
        assert len(series) == len(f["timeseries"]) * 2 * len(f["time"])
        np.testing.assert_array_equal(series.day[:len(f["time"])], f["time"][:])  # dt = 0.5


def test_export_refuses_what_it_cannot_read_or_write(baseline, tmp_path):
    missing = custsim("export", tmp_path / "none.h5", "--csv", tmp_path / "out")
    assert missing.returncode == 2
    assert f"{tmp_path / 'none.h5'}: no such results file" in missing.stderr
    text = tmp_path / "notes.h5"
    text.write_text("not HDF5\n" * 100)
    done = custsim("export", text, "--csv", tmp_path / "out")
    assert done.returncode == 2 and "not a custsim results file" in done.stderr
    assert not (tmp_path / "out").exists()  # nothing made before the input was read
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    for folder, message in ((a_file, "is a file, not a folder"),
                            (tmp_path / "no" / "such", f"there is no folder {tmp_path / 'no'}"),
                            ("/proc", "cannot write in the folder /proc"),
                            ("", "the folder name is empty")):
        done = custsim("export", baseline, "--csv", folder)
        assert done.returncode == 2, folder
        assert message in done.stderr, done.stderr


def test_export_names_a_comparison_file_for_what_it_is(comparison, tmp_path):
    done = custsim("export", comparison[2], "--csv", tmp_path / "out")
    assert done.returncode == 2
    assert "a comparison's results file, not a run's" in done.stderr


def test_compare_csv_has_one_row_per_kpi_with_its_relative_change(comparison):
    _, table, h5 = comparison
    assert list(table.columns) == ["group", "kpi", "unit", "a", "b", "difference", "low", "high",
                                   "relative_change_percent", "variance_ratio"]
    assert table.kpi.is_unique
    assert list(dict.fromkeys(table.group)) == GROUPS
    with h5py.File(h5) as f:
        assert set(table.kpi) == set(f["summary"])
        for row in table.itertuples():
            summary = f["summary"][row.kpi][:]
            np.testing.assert_array_equal([row.a, row.b, row.difference, row.low, row.high],
                                          summary[:5])
    nonzero = table[table.a != 0]
    np.testing.assert_allclose(nonzero.relative_change_percent,
                               100 * nonzero.difference / nonzero.a.abs(), rtol=1e-12)
    assert table[table.a == 0].relative_change_percent.isna().all()
    units = {row.kpi: row.unit for row in table.itertuples()}
    assert units["profit"] == "money" and units["customers"] == "customers"


def table_rows(stdout):
    """The printed table: (group, kpi, fields) for every KPI row."""
    rows, group = [], None
    for line in stdout.splitlines():
        if line.startswith("  ") and line.strip() in GROUPS:
            group = line.strip()
        elif line.startswith("    ") and group:
            fields = re.split(r"\s{2,}", line.strip())
            rows.append((group, fields[0], fields[1:]))
    return rows


def test_compare_prints_kpis_by_group_headlines_first_in_fixed_point(comparison):
    stdout, table, _ = comparison
    rows = table_rows(stdout)
    order = [group for group, _, _ in rows]
    assert list(dict.fromkeys(order)) == GROUPS
    assert order == sorted(order, key=GROUPS.index)
    names = [kpi for _, kpi, _ in rows]
    assert names[0] == "customers"
    money = [kpi for group, kpi, _ in rows if group == "money"]
    assert money[:4] == ["revenue", "profit", "roi", "clv"]
    headline = {line.split()[0].rsplit("/", 1)[1] for path, line in registry().items()
                if path.startswith(("/timeseries/", "/final/")) and " * " in line}
    for group in GROUPS:
        flags = [kpi in headline for g, kpi, _ in rows if g == group]
        assert flags == sorted(flags, reverse=True), group  # headline KPIs first
    assert not re.search(r"\de[+-]\d", stdout), "no scientific notation"
    by_kpi = {row.kpi: row for row in table.itertuples()}
    for group, kpi, fields in rows:
        if kpi in ("aware", "spill_visits", "revenue"):  # counts and money: no decimals
            assert fields[0] == f"{by_kpi[kpi].a:,.0f}" and fields[1] == f"{by_kpi[kpi].b:,.0f}"
    assert any("," in fields[0] for _, _, fields in rows), "thousands separators"
    change = {kpi: fields[4] for _, kpi, fields in rows}
    assert change["aware"] == f"{by_kpi['aware'].relative_change_percent:+.1f} %"
    # costs the scenarios do not have are listed once, not as rows of zeros
    zero = re.search(r"0 in A and B \(not shown\): (.*)", stdout).group(1).split(", ")
    assert "it_cost" in zero and "it_cost" not in names
    assert "var ratio: independent seeds would need this many times as many replicates" in stdout


def test_compare_kpis_chooses_and_refuses_unknown_names(tmp_path):
    done = custsim("compare", "scenarios/baseline.yaml", "scenarios/ads_heavy.yaml", *SMALL,
                   "--quiet", "--kpis", "nps, profit,customers,it_cost", "--csv", tmp_path / "c.csv")
    assert done.returncode == 0, done.stderr
    assert [kpi for _, kpi, _ in table_rows(done.stdout)] == ["customers", "profit", "it_cost",
                                                             "nps"]
    assert list(read_csv(tmp_path / "c.csv").kpi) == ["customers", "profit", "it_cost", "nps"]
    bad = custsim("compare", "scenarios/baseline.yaml", "scenarios/ads_heavy.yaml",
                  "--kpis", "profit,custmers")
    assert bad.returncode == 2
    assert "--kpis: unknown KPI 'custmers'; compare reports: customers, market_share" \
        in bad.stderr
    bass = custsim("compare", "scenarios/bass.yaml", "scenarios/bass.yaml", "--kpis", "profit")
    assert bass.returncode == 2
    assert "unknown KPI 'profit' for the instant funnel (Bass); compare reports: " in bass.stderr
    assert custsim("compare", "scenarios/bass.yaml", "scenarios/bass.yaml",
                   "--kpis", "").returncode == 2


def png_size(path):
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def check_png(path):
    import matplotlib.image
    assert path.stat().st_size > 10000
    assert png_size(path) == (WIDTH, HEIGHT)
    image = matplotlib.image.imread(path)
    assert image.shape[:2] == (HEIGHT, WIDTH)
    assert image[..., :3].std() > 0.05  # not a blank canvas


def test_run_compare_and_response_draw_their_plots(tmp_path):
    run = custsim("run", "scenarios/baseline.yaml", *SMALL, "-o", tmp_path / "r.h5",
                  "--plot", tmp_path / "run.png")
    assert run.returncode == 0, run.stderr
    assert f"plot: {tmp_path / 'run.png'}" in run.stdout
    compare = custsim("compare", "scenarios/baseline.yaml", "scenarios/ads_heavy.yaml", *SMALL,
                      "--quiet", "--plot", tmp_path / "compare.png")
    assert compare.returncode == 0, compare.stderr
    response = custsim("response", "scenarios/baseline.yaml", "--channel", "tv", "--spend",
                       "0:100:3", *SMALL, "--quiet", "--plot", tmp_path / "response.png")
    assert response.returncode == 0, response.stderr
    for name in ("run.png", "compare.png", "response.png"):
        check_png(tmp_path / name)
    assert not list(tmp_path.glob("*.tmp*"))


def test_plot_of_the_instant_funnel(tmp_path):
    done = custsim("run", "scenarios/bass.yaml", "--replicates", 2, "--set", "days=5",
                   "-o", tmp_path / "b.h5", "--quiet", "--plot", tmp_path / "bass.png")
    assert done.returncode == 0, done.stderr
    check_png(tmp_path / "bass.png")


def test_plot_refused_before_the_run_without_matplotlib_or_a_png_name(tmp_path):
    no_site = tmp_path / "python-without-matplotlib"
    no_site.write_text("#!/bin/sh\nexec /usr/bin/python3 -S \"$@\"\n")  # no dist-packages
    no_site.chmod(0o755)
    for env, message in (({"CUSTSIM_PYTHON": str(no_site)}, "cannot import matplotlib"),
                         ({"CUSTSIM_PYTHON": str(tmp_path / "none")}, "cannot run Python")):
        done = custsim("run", "scenarios/bass.yaml", "-o", tmp_path / "b.h5", "--quiet",
                       "--plot", tmp_path / "b.png", env=env)
        assert done.returncode == 2, done.stderr
        assert message in done.stderr and "python3-matplotlib" in done.stderr
        assert not (tmp_path / "b.h5").exists() and not (tmp_path / "b.png").exists()
    done = custsim("response", "scenarios/baseline.yaml", "--channel", "tv", "--spend", "0:1:2",
                   "--plot", tmp_path / "curve.jpg")
    assert done.returncode == 2 and "plots are PNG images" in done.stderr
    done = custsim("compare", "scenarios/baseline.yaml", "scenarios/ads_heavy.yaml",
                   "--plot", "/proc/c.png")
    assert done.returncode == 2 and "cannot write in the folder /proc" in done.stderr


def test_export_of_a_sweep_gives_its_points_final_and_timeseries(tmp_path):
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(f"base: {ROOT / 'scenarios' / 'bass.yaml'}\n"
                     "set: [population.customers=2000, days=3, replicates=2]\n"
                     "design: grid\nparameters:\n  - name: q\n    key: word_of_mouth.rate\n"
                     "    values: [0.1, 0.4]\n"
                     "timeseries: true\n")
    out = tmp_path / "sweep.h5"
    done = custsim("sweep", sweep, "-o", out, "--quiet")
    assert done.returncode == 0, done.stderr
    done = custsim("export", out, "--csv", tmp_path / "csv")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == [
        "final.csv", "points.csv", "timeseries.csv"]
    points = read_csv(tmp_path / "csv" / "points.csv")
    final = read_csv(tmp_path / "csv" / "final.csv")
    series = read_csv(tmp_path / "csv" / "timeseries.csv")
    assert list(final.columns) == ["point", "replicate", "kpi", "value"]
    assert list(series.columns) == ["point", "replicate", "day", "kpi", "value"]
    with h5py.File(out) as f:
        assert list(points.columns) == ["point", "done"] + sorted(f["points"])
        np.testing.assert_array_equal(points["q"], f["points/q"][:])
        assert points.done.tolist() == [1, 1]
        for kpi in ("customers", "aware"):
            rows = final[final.kpi == kpi]
            np.testing.assert_array_equal(rows.value.to_numpy().reshape(2, 2), f["final"][kpi][:])
            rows = series[series.kpi == kpi]
            np.testing.assert_array_equal(rows.value.to_numpy().reshape(f["timeseries"][kpi].shape),
                                          f["timeseries"][kpi][:])
