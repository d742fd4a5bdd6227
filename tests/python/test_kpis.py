"""The KPI registry as Python sees it: Simulation.kpis, ratios, run() with and without a policy
and the results file hold exactly the registered KPIs of the scenario's model."""
from pathlib import Path

import numpy as np

import custsim

ROOT = Path(__file__).resolve().parents[2]
TWO_MARKETS = ROOT / "scenarios" / "two_markets.yaml"
BASS = ROOT / "scenarios" / "bass.yaml"


def small(path):
    return custsim.load_scenario(path, population__customers=3000, days=6, replicates=1)


def registered(model, **where):
    return {k["key"]: k for k in custsim.kpi_registry()
            if k["model"] in (model, "both") and all(k[f] == v for f, v in where.items())}


def test_the_registry_describes_every_kpi():
    registry = custsim.kpi_registry()
    assert len({(k["per"], k["name"]) for k in registry}) == len(registry)
    for k in registry:
        assert k["kind"] in ("stock", "flow", "ratio") and k["final_only"] == (k["kind"] == "ratio")
        assert k["per"] in ("scalar", "channel", "brand", "market")
        assert k["model"] in ("instant", "journey", "both")
        assert k["unit"] and k["label"] and k["description"] and k["format"].startswith("%")
        assert k["path"].endswith("/" + k["name"])
        assert k["group"] in ("customers", "money", "service", "word of mouth", "data")
        assert isinstance(k["headline"], bool)
    by_name = {k["name"]: k for k in registry if k["per"] == "scalar"}
    assert by_name["profit"]["group"] == "money" and by_name["profit"]["headline"]
    assert by_name["nps"]["group"] == "word of mouth"


def test_simulation_kpis_are_the_registered_kpis_of_its_model():
    for path, model in ((TWO_MARKETS, "journey"), (BASS, "instant")):
        sim = custsim.Simulation(small(path)).step(3)
        kpis = sim.kpis
        assert set(kpis) - {"day"} == set(registered(model, final_only=False)), model
        assert set(sim.ratios()) == set(registered(model, final_only=True)), model
        for key, k in registered(model, final_only=False).items():
            if k["per"] == "scalar":
                assert isinstance(kpis[key], float), key
            else:
                assert isinstance(kpis[key], list), key
    journey = custsim.Simulation(small(TWO_MARKETS)).step(3).kpis
    assert len(journey["market_customers"]) == 2
    assert sum(journey["market_customers"]) == journey["customers"]


def test_runs_with_and_without_a_policy_record_the_same_registered_kpis(tmp_path):
    s = small(TWO_MARKETS)
    plain = custsim.run(s)
    steered = custsim.run(s, policy=lambda kpis, day: None, every=1)
    for per, group in (("channel", "channels"), ("brand", "brands"), ("market", "markets")):
        names = {k["name"] for k in registered("journey", per=per).values()}
        assert set(plain._markets if per == "market" else getattr(plain, "_" + group)) == names
        for name in names:
            np.testing.assert_array_equal(getattr(plain, group)(name),
                                          getattr(steered, group)(name), err_msg=name)
    assert steered.market_names == plain.market_names == ["home", "abroad"]
    scalars = {k["name"] for k in registered("journey", per="scalar").values()}
    assert set(plain.kpis) == set(steered.kpis) == {
        k["name"] for k in registered("journey", per="scalar", final_only=False).values()}
    for name in scalars:
        np.testing.assert_array_equal(plain.final(name), steered.final(name), err_msg=name)
    out = tmp_path / "r.h5"
    custsim._core.write_results(custsim._core.run_scenario(s._core, 0), str(out))
    import h5py
    with h5py.File(out) as f:
        paths = set()
        f.visititems(lambda n, o: paths.add("/" + n) if isinstance(o, h5py.Dataset) else None)
    expected = {k["path"] for k in registered("journey").values()}
    expected |= {p.replace("/timeseries/", "/final/") for p in expected}
    assert paths - {"/time"} == expected
