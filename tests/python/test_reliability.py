"""Bad arguments and damaged files from Python (issue 12): ValueError or OSError, never a crashed
interpreter (docs/reliability.md). Damaged files are read in a child interpreter, so that a
crash fails the test instead of killing the suite."""
import os
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import h5py
import numpy as np
import pytest

import custsim

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("CUSTSIM_BIN", str(ROOT / "build/release/core/custsim"))
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def small(**changes):
    # The sample its own market (represents 0): budgets as the file gives them.
    settings = {"population__customers": 2000, "days": 20, "replicates": 2,
                "population__represents": 0}
    settings.update(changes)
    return custsim.load_scenario(BASELINE, **settings)


@pytest.fixture(scope="module")
def results_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("results") / "run.h5"
    done = subprocess.run([BIN, "run", str(BASELINE), "--set", "population.customers=2000",
                           "--set", "days=20", "--set", "replicates=2", "-o", str(path),
                           "--quiet"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return path


def read_in_child(path, code="custsim.read_results(path)"):
    """Runs `code` on `path` in a fresh interpreter; its outcome: 'ok', 'ValueError: ...',
    'OSError: ...', or the crash."""
    script = ("import custsim, sys\npath = sys.argv[1]\ndef body():\n" +
              textwrap.indent(textwrap.dedent(code), "    ") +
              "\ntry:\n    body()\n    print('ok')\n"
              "except (ValueError, OSError) as error:\n"
              "    print(type(error).__name__ + ': ' + str(error))\n")
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                          text=True, timeout=60, env=os.environ)
    assert done.returncode == 0, f"the interpreter died ({done.returncode}): {done.stderr}"
    return done.stdout.strip()


# D5: files that do not fit their attributes are refused, not trusted.
def rewrite(source, target, change, sign=True):
    """A copy of `source` with `change(h5py.File)` applied, written by h5py, with (`sign`) a
    valid custsim check line, so that only the engine's own checks of shapes can refuse it."""
    with h5py.File(source) as f, h5py.File(target, "w", userblock_size=512) as g:
        for key, value in f.attrs.items():
            g.attrs[key] = value
        for name in f:
            f.copy(f[name], g, name=name)
        change(g)
    if sign:
        data = bytearray(target.read_bytes())
        line = b"custsim-crc32 %08x %d\n" % (zlib.crc32(data[512:]), len(data))
        data[:len(line)] = line
        target.write_bytes(bytes(data))


def test_a_file_custsim_did_not_write_is_refused(results_file, tmp_path):
    copy = tmp_path / "copy.h5"
    rewrite(results_file, copy, lambda g: None, sign=False)
    assert "it has no custsim check line" in read_in_child(copy)
    rewrite(results_file, copy, lambda g: None)
    assert read_in_child(copy) == "ok"


@pytest.mark.parametrize("change, message", [
    (lambda g: g.attrs.__setitem__("replicates", 2**62),
     "attribute replicates: must be from 1 to 4294967295"),
    (lambda g: g.attrs.__setitem__("replicates", 3),
     "/timeseries/adopted: has shape [2, 21], expected [3, 21] (replicates, points)"),
    (lambda g: g.attrs.__setitem__("replicates", np.array([2, 2, 2])),
     "attribute replicates: must be one integer"),
    (lambda g: g.attrs.__setitem__("scenario_yaml", np.array(["a", "b"], dtype=object)),
     "attribute scenario_yaml: must be one text"),
    (lambda g: (g.__delitem__("time"), g.create_dataset("time", shape=(0,), dtype=float)),
     "/time: must list at least one recorded day"),
    (lambda g: (g.__delitem__("final/profit"), g.__setitem__("final/profit", np.zeros(7))),
     "/final/profit: has shape [7], expected [2]"),
    (lambda g: (g.__delitem__("timeseries/nps"), g.__setitem__("timeseries/nps", np.zeros(2))),
     "/timeseries/nps: has shape [2], expected [2, 21]"),
    (lambda g: g["channels"].attrs.__setitem__("names", np.array(["tv"], dtype=object)),
     "/channels/acquisitions: has shape [2, 21, 7], expected [2, 21, 1]"),
    (lambda g: (g.__delitem__("final/profit"), g.__setitem__("final/profit", ["a", "b"])),
     "/final/profit: must hold numbers"),
])
def test_wrong_shapes_and_attributes_are_refused(results_file, tmp_path, change, message):
    damaged = tmp_path / "damaged.h5"
    rewrite(results_file, damaged, change)
    outcome = read_in_child(damaged)
    assert outcome.startswith("ValueError: ") and message in outcome, outcome


def test_flipped_bytes_are_refused_and_never_crash(results_file, tmp_path):
    data = results_file.read_bytes()
    rng = np.random.default_rng(12)
    listing = tmp_path / "paths.txt"
    paths = []
    for trial in range(200):
        damaged = bytearray(data)
        for at in rng.integers(0, len(data), size=rng.integers(1, 8)):
            damaged[at] ^= int(rng.integers(1, 256))
        path = tmp_path / f"flipped_{trial}.h5"
        path.write_bytes(bytes(damaged))
        paths.append(str(path))
    listing.write_text("\n".join(paths))
    # One child reads them all: any crash or hang fails the test.
    code = """
        refused = 0
        for p in open(path).read().split():
            try:
                custsim.read_results(p)
            except ValueError:
                refused += 1
        assert refused == 200, refused
    """
    assert read_in_child(listing, code) == "ok"


def test_files_written_from_python_are_read_back(tmp_path):
    # The check line and the shape checks accept what the engine writes.
    r = custsim._core.run_scenario(small()._core, 1)
    custsim._core.write_results(r, tmp_path / "ok.h5")
    again = custsim.read_results(tmp_path / "ok.h5")
    assert again.final("profit").shape == (2,)
    assert again.timeseries("customers").shape == (2, 21)


def test_read_sweep_refuses_damaged_files(tmp_path):
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(f"base: {BASELINE}\nset: [population.customers=2000, days=20, "
                     "replicates=2]\ndesign: list\nparameters: [{key: brands.focal.price, "
                     "values: [10, 12]}]\n")
    out = tmp_path / "sweep.h5"
    done = subprocess.run([BIN, "sweep", str(sweep), "-o", str(out), "--quiet"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert custsim.read_sweep(out).shape[0] == 4
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(out.read_bytes()[:-100])
    assert "do not match the check line" in read_in_child(truncated,
                                                          "custsim.read_sweep(path)")
    plain = tmp_path / "plain.h5"
    with h5py.File(plain, "w") as f:
        f["done"] = np.ones(3)
    assert "no custsim check line" in read_in_child(plain, "custsim.read_sweep(path)")


# D6, D22: arguments out of range.
@pytest.mark.parametrize("call", [
    lambda s: custsim.run(s, threads=-1),
    lambda s: custsim.run(s, threads=100000),
    lambda s: custsim.run(s, policy=lambda k, d: {}, every=0),
    lambda s: custsim.run(s, policy=lambda k, d: {}, every=-7),
    lambda s: custsim.Simulation(s, threads=-1),
    lambda s: custsim._core.run_scenario(s._core, -1),
    lambda s: custsim._core.Simulation(s._core, 0, 100000),
    lambda s: custsim.response(s, "tv", []),
    lambda s: custsim._core.response(s._core, "tv", [], 0),
    lambda s: custsim.Simulation(s).step(2**32),
    lambda s: custsim.Simulation(s).step(-1),
    lambda s: custsim.Simulation(s)._sim.step(2**32),
])
def test_bad_arguments_raise_value_error(call):
    with pytest.raises(ValueError):
        call(small())


def test_steps_up_to_the_limit_are_accepted():
    sim = custsim.Simulation(small())
    sim.step(3)
    assert sim._sim.step_index == 3


# D12, D23 from Python.
def test_a_run_too_large_for_the_machine_raises_value_error():
    with pytest.raises(ValueError, match="of memory is available"):
        custsim.run(small(population__customers=4294967295))
    with pytest.raises(ValueError, match="customer-steps allowed without --force"):
        custsim.Simulation(small(days=1e9, record_every=1e8, population__customers=100000))


def test_non_finite_kpis_raise_value_error():
    s = small()
    s["brands.focal.media[0].spend_per_day"] = 1e308
    with pytest.raises(ValueError, match="KPI 'media_cost' became inf"):
        custsim.run(s)
    with pytest.raises(ValueError, match="KPI 'media_cost' became inf"):
        custsim.run(s, policy=lambda kpis, day: None, every=7)
