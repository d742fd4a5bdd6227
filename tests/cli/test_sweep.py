"""custsim sweep: designs, the results file, resuming after kill -9, and MPI ranks."""
import os
import signal
import subprocess
import time
from pathlib import Path

import h5py
import numpy as np

from h5compare import assert_same

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("CUSTSIM_BIN", str(ROOT / "build/release/core/custsim"))
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def custsim(*args, env=None):
    return subprocess.run([BIN, *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env=env)


def sweep_file(tmp_path, body, customers=3000, days=30):
    path = tmp_path / "sweep.yaml"
    path.write_text(f"base: {BASELINE}\n"
                    f"set: [population.customers={customers}, days={days}, replicates=2]\n"
                    + body)
    return path


GRID = """design: grid
parameters:
  - key: brands.focal.price
    values: [10, 14]
  - name: budget
    values: [50, 100, 150]
derived:
  brands.focal.media[0].spend_per_day: budget * 0.6
timeseries: true
"""


def test_grid_sweep_writes_every_point(tmp_path):
    out = tmp_path / "grid.h5"
    done = custsim("sweep", sweep_file(tmp_path, GRID), "-o", out, "--quiet")
    assert done.returncode == 0, done.stderr
    with h5py.File(out) as f:
        np.testing.assert_array_equal(f["points/brands.focal.price"][:], [10, 10, 10, 14, 14, 14])
        np.testing.assert_array_equal(f["points/budget"][:], [50, 100, 150] * 2)
        np.testing.assert_allclose(f["points/brands.focal.media[0].spend_per_day"][:],
                                   [30, 60, 90] * 2)
        np.testing.assert_array_equal(f["done"][:], np.ones(6))
        assert f["final/profit"].shape == (6, 2)
        assert f["timeseries/customers"].shape == (6, 2, 31)
        assert f.attrs["parameters"] == "brands.focal.price,budget"
        media = f["final/media_cost"][:]
        # the focal TV flight changes with the budget, the rest of the plan does not; the
        # market's spend, of which the 3 000 customers book their share of 100 000
        np.testing.assert_allclose(media[1] - media[0], 30 * 30 * 3000 / 100000)
        revenue = f["final/revenue"][:]
        assert np.all(revenue > 0)
    assert not (tmp_path / "grid.h5.parts").exists()


def test_killed_sweep_resumes_without_redoing_points(tmp_path):
    body = """design: list
parameters:
  - key: brands.focal.price
    values: [9, 10, 11, 12, 13, 14, 15, 16, 17, 18]
"""
    path = sweep_file(tmp_path, body, customers=20000, days=90)
    clean = tmp_path / "clean.h5"
    assert custsim("sweep", path, "-o", clean, "--quiet", "--threads", 1).returncode == 0
    out = tmp_path / "killed.h5"
    parts = tmp_path / "killed.h5.parts"
    process = subprocess.Popen([BIN, "sweep", str(path), "-o", str(out), "--quiet",
                                "--threads", "1"], cwd=ROOT)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(parts.glob("point_*.h5"))) < 3:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished = len(list(parts.glob("point_*.h5")))
    assert 3 <= finished < 10, "the kill should land mid-sweep"
    if out.exists():  # only ever a complete file, possibly with some points still missing
        with h5py.File(out) as f:
            assert f["done"].shape == (10,)
    again = custsim("sweep", path, "-o", out, "--threads", 1)
    assert again.returncode == 0, again.stderr
    assert f"resuming: {finished} points already finished" in again.stdout
    assert f"{10 - finished} run now" in again.stdout
    assert_same(clean, out)
    assert not parts.exists()


def test_parts_of_another_sweep_are_not_mixed_in(tmp_path):
    path = sweep_file(tmp_path, GRID)
    out = tmp_path / "x.h5"
    parts = tmp_path / "x.h5.parts"
    parts.mkdir()
    (parts / "sweep.id").write_text("12345\n")
    done = custsim("sweep", path, "-o", out)
    assert done.returncode == 2
    assert "holds the finished points of another sweep" in done.stderr


def test_bad_sweep_files_are_explained(tmp_path):
    path = sweep_file(tmp_path, "desing: grid\nparameters: [{key: brands.focal.price, values: [1]}]\n")
    done = custsim("sweep", path)
    assert done.returncode == 2 and "sweep.yaml:3: desing: unknown key" in done.stderr
    path = sweep_file(tmp_path, "design: grid\nparameters: [{key: brands.focal.prise, values: [1]}]\n")
    done = custsim("sweep", path)
    assert done.returncode == 2 and "prise" in done.stderr
    path = sweep_file(tmp_path, "design: grid\nparameters: [{name: a, values: [1]}]\n"
                                "derived: {brands.focal.price: a * b}\n")
    done = custsim("sweep", path)
    assert done.returncode == 2 and "'b' is not a parameter" in done.stderr


def test_mpi_ranks_give_the_same_file(tmp_path):
    body = """design: latin_hypercube
points: 9
parameters:
  - key: brands.focal.price
    from: 8
    to: 16
  - key: brands.focal.service.agents
    from: 0.5
    to: 4
"""
    path = sweep_file(tmp_path, body)
    single = tmp_path / "single.h5"
    assert custsim("sweep", path, "-o", single, "--quiet").returncode == 0
    ranks = tmp_path / "ranks.h5"
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1")
    done = subprocess.run(["mpirun", "--oversubscribe", "-np", "3", BIN, "sweep", str(path),
                           "-o", str(ranks), "--threads", "1"], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr
    assert "3 ranks" in done.stdout
    assert_same(single, ranks)


def test_a_sweep_file_that_is_no_file_or_a_seed_past_64_bits_is_refused(tmp_path):
    done = custsim("sweep", "/dev/zero", "-o", str(tmp_path / "z.h5"))
    assert done.returncode == 2 and "not a regular file" in done.stderr
    path = sweep_file(tmp_path, "seed: 18446744073709551616\nparameters:\n  days: [10]\n")
    done = custsim("validate", str(path))
    assert done.returncode == 2 and "seed: must be a whole number" in done.stderr, done.stderr
