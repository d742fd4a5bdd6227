"""The explorer as a person would see it: rendered off-screen under Xvfb (Mesa's software
OpenGL), each panel chosen on the command line must show its plots with data in them, and what
each exports (CSV of what is shown, PNG of the panel) must hold the series it shows."""
import csv
import os
import subprocess
from collections import defaultdict
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXPLORER = os.environ.get("CUSTSIM_EXPLORER", str(ROOT / "build/release/viz/custsim-explorer"))
BLUE, ORANGE, GREEN, RED = (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40)


def near(image, rgb, tolerance=12):
    return np.all(np.abs(image[:, :, :3] * 255 - np.array(rgb)) <= tolerance, axis=2)


def explore(*args):
    done = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", EXPLORER,
                           "--scenario", "scenarios/baseline.yaml", *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def by_plot(table):
    """{plot: {series: [(day, value)]}} and {plot: unit}."""
    series, units = defaultdict(lambda: defaultdict(list)), {}
    for row in table:
        series[row["plot"]][row["series"]].append((float(row["day"]), float(row["value"])))
        units[row["plot"]] = row["unit"]
    return series, units


def test_screenshot_shows_plots_with_data(tmp_path):
    out = tmp_path / "explorer.png"
    explore("--run-days", 60, "--replicates", 3, "--export", tmp_path / "batch.h5",
            "--screenshot", out)
    image = matplotlib.image.imread(out)
    assert image.shape[:2] == (1000, 1600)
    colours = np.unique((image[:, :, :3] * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 100, "a blank or flat window"
    # The plots' lines (blue, orange, green...) are drawn, over many pixels: data, not just axes.
    assert near(image, BLUE).sum() > 2000
    assert near(image, GREEN).sum() > 500
    # The KPI plots fill the right: content in its upper and lower parts.
    assert image[60:500, 400:1600, :3].std() > 0.05 and image[600:1000, 400:1600, :3].std() > 0.05
    # The batch of replicates is exported as a results file like custsim run's.
    import h5py
    with h5py.File(tmp_path / "batch.h5") as f:
        assert f.attrs["replicates"] == 3
        assert f["timeseries/customers"].shape == (3, 61)
        assert list(f["channels"].attrs["names"])[0] == "tv"


def test_funnel_panel_exports_what_it_shows_and_considering_is_visible(tmp_path):
    explore("--run-days", 60, "--panel", "funnel", "--export-csv", tmp_path / "funnel.csv",
            "--export-png", tmp_path / "funnel.png")
    series, units = by_plot(rows(tmp_path / "funnel.csv"))
    funnel = series["Funnel (focal brand)"]
    assert set(funnel) == {"aware", "considering", "customers"}  # the registry's labels
    assert units["Funnel (focal brand)"] == "customers" and units["NPS"] == "score"
    assert units["Money (cumulative)"] == "money"
    assert all(len(points) == 61 for points in funnel.values())  # days 0..60
    assert [day for day, _ in funnel["aware"]] == list(range(61))
    considering = np.array([v for _, v in funnel["considering"]])
    aware = np.array([v for _, v in funnel["aware"]])
    assert 0 < considering[-1] < aware[-1] / 10  # far below aware: a linear scale hides it
    image = matplotlib.image.imread(tmp_path / "funnel.png")
    assert image.shape[:2] == (1000, 1200)  # the panel, right of the levers
    # On the funnel's log scale the considering line (orange) rises over many pixel rows;
    # on a linear scale it would lie flat on the axis.
    funnel_plot = image[60:330, 40:590]
    ys = np.nonzero(near(funnel_plot, ORANGE))[0]
    assert len(ys) > 200 and ys.max() - ys.min() > 50


def test_zoom_exports_only_the_days_in_view(tmp_path):
    explore("--run-days", 60, "--zoom", "10:30", "--export-csv", tmp_path / "zoom.csv")
    days = {float(row["day"]) for row in rows(tmp_path / "zoom.csv")}
    assert min(days) == 10 and max(days) == 30 and len(days) == 21


def test_service_panel_plots_complaints_churn_and_nps(tmp_path):
    explore("--run-days", 60, "--panel", "service", "--export-csv", tmp_path / "service.csv",
            "--export-png", tmp_path / "service.png")
    series, units = by_plot(rows(tmp_path / "service.csv"))
    shown = {name for plot in series.values() for name in plot}
    assert {"complaints opened", "complaints resolved", "complaints unresolved",
            "complaints open", "churned", "NPS"} <= shown
    assert units["Complaints (cumulative)"] == "complaints"
    # The queue is a level, plotted apart from the cumulative complaints.
    assert set(series["Complaints open"]) == {"complaints open"}
    assert units["Complaints open"] == "complaints"
    queue = [value for _, value in series["Complaints open"]["complaints open"]]
    assert len(queue) == 61 and max(queue) > 0
    assert units["Churned (cumulative)"] == "customers" and units["NPS"] == "score"
    complaints = series["Complaints (cumulative)"]
    assert all(len(points) == 61 for points in complaints.values())
    opened = complaints["complaints opened"][-1][1]
    closed = complaints["complaints resolved"][-1][1] + complaints["complaints unresolved"][-1][1]
    assert opened > 0 and closed <= opened
    image = matplotlib.image.imread(tmp_path / "service.png")
    # Five plots in three rows; those with data have lines drawn in them (lost sales is 0 in
    # the baseline); the complaints in three colours.
    complaints, queue = image[60:360, :600], image[60:360, 600:]
    churned, nps = image[370:670, 600:], image[680:, :600]
    for plot in (complaints, queue, churned, nps):
        assert near(plot, BLUE).sum() > 100
    assert min(near(complaints, c).sum() for c in (BLUE, ORANGE, GREEN)) > 100


SPEND_PER_DAY = "Spend per day by channel (focal brand)"


def cumulative(series, plot):
    """The one line of a plot of one KPI, as an array over days."""
    (points,) = series[plot].values()
    return np.array([value for _, value in points])


def test_policies_panel_plots_the_bandits_spend_and_the_triggers_fired(tmp_path):
    # scenarios/self_optimising.yaml: a bandit over the baseline's seven channels every 7 days,
    # retargeting on social at 0.02 a touch, follow-ups at 2 and win-back offers at 1.
    explore("--scenario", "scenarios/self_optimising.yaml", "--set", "population.customers=20000",
            "--run-days", 90, "--panel", "policies", "--export-csv", tmp_path / "policies.csv",
            "--export-png", tmp_path / "policies.png")
    series, units = by_plot(rows(tmp_path / "policies.csv"))
    assert units[SPEND_PER_DAY] == "money per day"
    spend = {name: np.array([v for _, v in points]) for name, points in series[SPEND_PER_DAY].items()}
    channels = ["tv", "search", "social", "influencer", "email", "store", "packaging"]
    assert list(spend) == channels
    assert [day for day, _ in series[SPEND_PER_DAY]["tv"]] == list(range(90))  # days 0..89
    day0 = np.array([spend[c][0] for c in channels])
    assert day0.min() > 0 and day0.max() == pytest.approx(day0.min(), rel=1e-9)  # an even split
    # The bandit moved budget: on the last day the channels' spends differ.
    assert np.array([spend[c][-1] for c in channels]).std() > 0.5 * day0[0]
    # Every day the channels share the plan's total, and social's retargeting touches come on top.
    expected = {"Retargeting touches (cumulative)": "contacts", "Follow-ups (cumulative)": "contacts",
                "Win-back offers (cumulative)": "contacts", "Trigger cost (cumulative)": "money"}
    assert set(series) == {SPEND_PER_DAY, *expected}
    for plot, unit in expected.items():
        values = cumulative(series, plot)
        assert units[plot] == unit and len(values) == 91, plot
        assert values[-1] > 0 and np.all(np.diff(values) >= 0), plot
    touches = np.diff(cumulative(series, "Retargeting touches (cumulative)"))
    total = sum(spend.values())
    assert np.abs(total - day0.sum() - 0.02 * touches).max() < 1e-6 * day0.sum()
    follow_ups = cumulative(series, "Follow-ups (cumulative)")
    offers = cumulative(series, "Win-back offers (cumulative)")
    assert np.allclose(cumulative(series, "Trigger cost (cumulative)"), 2 * follow_ups + offers)
    image = matplotlib.image.imread(tmp_path / "policies.png")
    spend_plot = image[60:420]
    for colour in (BLUE, ORANGE, GREEN):  # tv, search, social
        assert near(spend_plot, colour).sum() > 300
    # The four trigger plots, two a row below, each with its line drawn.
    for plot in (image[450:700, :600], image[450:700, 600:], image[730:, :600], image[730:, 600:]):
        assert near(plot, BLUE).sum() > 200


def test_policies_panel_without_policies_shows_the_plans_spend_only(tmp_path):
    explore("--set", "population.customers=20000", "--run-days", 30, "--panel", "policies",
            "--export-csv", tmp_path / "plan.csv")
    series, units = by_plot(rows(tmp_path / "plan.csv"))
    assert set(series) == {SPEND_PER_DAY}  # no trigger was registered for a policy not there
    spend = series[SPEND_PER_DAY]
    # The baseline's flights: TV 60 and search 40 a day, as the plan says (the market's money).
    assert spend["tv"][5][1] / spend["search"][5][1] == pytest.approx(60 / 40)


def test_brands_panel_plots_each_brand(tmp_path):
    explore("--run-days", 60, "--panel", "brands", "--export-csv", tmp_path / "brands.csv",
            "--export-png", tmp_path / "brands.png")
    series, units = by_plot(rows(tmp_path / "brands.csv"))
    assert len(series) == 3
    share = next(plot for plot in series if plot.startswith("Per brand: share"))
    assert units[share] == "share"
    assert set(series[share]) == {"focal", "rival"}
    for (_, focal), (_, rival) in zip(series[share]["focal"], series[share]["rival"]):
        assert focal + rival == pytest.approx(1)  # shares of all brands' customers
    aware = next(plot for plot in series if plot.startswith("Per brand: aware"))
    assert units[aware] == "customers" and len(series[aware]["rival"]) == 61
    image = matplotlib.image.imread(tmp_path / "brands.png")
    for third in (image[60:350], image[370:660], image[680:]):
        assert near(third, BLUE).sum() > 300 and near(third, ORANGE).sum() > 300


def test_levers_panel_shows_marginal_returns(tmp_path):
    explore("--set", "population.customers=10000", "--run-days", 30, "--levers", 30,
            "--panel", "levers", "--export-csv", tmp_path / "levers.csv",
            "--export-png", tmp_path / "levers.png")
    table = rows(tmp_path / "levers.csv")
    levers = [row["lever"] for row in table if row["measure"] == "profit_per_unit"]
    assert levers[:2] == ["tv", "search"]
    assert {"agents", "training", "logistics", "service level", "retention", "price"} <= set(levers)
    assert len(table) == 3 * len(levers)
    per_unit = [row for row in table if row["measure"] == "profit_per_unit"]
    assert {row["unit"] for row in per_unit} == {"money per money"}
    tv = next(row for row in per_unit if row["lever"] == "tv")
    assert float(tv["low"]) <= float(tv["mean"]) <= float(tv["high"])
    image = matplotlib.image.imread(tmp_path / "levers.png")
    bars = near(image, GREEN).sum() + near(image, RED).sum()
    assert bars > 1000  # the bars are drawn


def layout(path):
    table = rows(path)
    return np.array([[float(r["x"]), float(r["y"])] for r in table]), table


def test_network_is_laid_out_force_directed_not_as_a_ring(tmp_path):
    for run in ("a", "b"):
        explore("--run-days", 10, "--panel", "network", "--export-csv", tmp_path / f"{run}.csv",
                "--export-png", tmp_path / f"{run}.png")
    xy, table = layout(tmp_path / "a.csv")
    assert len(table) == 300
    assert np.array_equal(xy, layout(tmp_path / "b.csv")[0])  # seeded: the same every run
    assert xy.min() >= 0 and xy.max() <= 1
    # On a ring most customers lie near the largest radius from the centre: the hand-written
    # spring this layout replaced put 82 % of them in the outer 15 %; Fruchterman-Reingold 24 %.
    radius = np.hypot(*(xy - xy.mean(axis=0)).T)
    assert (radius > 0.85 * radius.max()).mean() < 0.5
    image = matplotlib.image.imread(tmp_path / "a.png")
    stages = {row["stage"] for row in table}
    assert "unaware" in stages and stages & {"aware", "customer"}
    panel = image[80:, :940]
    assert near(panel, (200, 200, 200), 6).sum() > 1000  # unaware customers and ties
    assert near(panel, (120, 170, 230)).sum() + near(panel, (40, 160, 60)).sum() > 50


def test_unknown_panel_and_bad_scenario_are_refused_before_any_window():
    done = subprocess.run([EXPLORER, "--scenario", "scenarios/bass.yaml"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "needs a journey scenario" in done.stderr
    done = subprocess.run([EXPLORER, "--panel", "sales"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "no such panel" in done.stderr


def test_levers_panel_shows_an_optimiser_result(tmp_path):
    # custsim optimise's file, shown as the allocation against the current plan per lever.
    binary = os.environ.get("CUSTSIM_BIN", str(ROOT / "build/release/core/custsim"))
    optimum = tmp_path / "opt.h5"
    done = subprocess.run([binary, "optimise", "scenarios/baseline.yaml", "--set",
                           "population.customers=2000", "--set", "days=40", "--set",
                           "population.represents=0", "--budget", "6000", "--levers",
                           "tv,search,agents", "--evaluations", "6", "--max-replicates", "2",
                           "--polish", "0", "--quiet", "-o", optimum],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    explore("--run-days", 5, "--optimum", optimum, "--panel", "levers",
            "--export-csv", tmp_path / "optimum.csv", "--export-png", tmp_path / "optimum.png")
    table = [r for r in rows(tmp_path / "optimum.csv") if r["step"] == "optimum"]
    best = {r["lever"]: float(r["mean"]) for r in table if r["measure"] == "optimum_allocation"}
    plan = {r["lever"]: float(r["mean"]) for r in table if r["measure"] == "current_allocation"}
    assert list(best) == ["tv", "search", "agents"] and set(plan) == set(best)
    assert sum(best.values()) == pytest.approx(6000, rel=1e-6)
    assert len([r for r in table if r["measure"] == "marginal_return"]) == 3
    image = matplotlib.image.imread(tmp_path / "optimum.png")
    assert near(image, GREEN).sum() > 1000  # the allocation's bars
    bad = subprocess.run([EXPLORER, "--scenario", "scenarios/baseline.yaml", "--optimum",
                          "scenarios/baseline.yaml"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 2 and "--optimum" in bad.stderr
