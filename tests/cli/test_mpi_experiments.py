"""custsim calibrate and optimise under mpirun: the evaluations spread over the ranks, and the file
is the same bit for bit as one process's on 1 and 2 threads; a killed calibration resumes on
another layout; errors and Ctrl-C end every rank."""
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
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OMPI_MCA_mpi_yield_when_idle="1")
# The Bass special case of tests/cli/test_calibrate.py: 1 000 customers, 12 days.
BASS = ["scenarios/bass.yaml", "--set", "population.customers=1000", "--set", "days=12",
        "--set", "dt=0.1", "--set", "record_every=1"]
FIT = ["--fit", "channels.advertising.adoption_rate=0.005:0.1", "--fit", "word_of_mouth.rate=0.1:1"]
# The baseline, small: 1 000 customers standing for themselves, 60 days (a few seconds a run).
SMALL = ["scenarios/baseline.yaml", "--set", "population.customers=1000", "--set", "days=60",
         "--set", "population.represents=0"]
OPTIMISE = ["--budget", "10000", "--levers", "tv,search,agents", "--evaluations", "8",
            "--max-replicates", "4"]


def custsim(*args, ranks=None):
    command = [BIN, *map(str, args)]
    if ranks:
        command = ["mpirun", "--oversubscribe", "-np", str(ranks), *command]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, env=ENV)


def data_file(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("day,kpi,value\n" + "".join(
        f"{d},adopted,{v}\n" for d, v in zip(range(2, 13, 2), (60, 110, 160, 170, 130, 80))))
    return path


def assert_same_file(a, b):
    """Every dataset equal bit for bit, and every attribute but the time taken."""
    assert_same(a, b)
    with h5py.File(a) as fa, h5py.File(b) as fb:
        names = set(fa.attrs) - {"seconds"}
        assert names == set(fb.attrs) - {"seconds"}
        for name in names:
            assert fa.attrs[name] == fb.attrs[name], name


def test_calibrate_with_the_emulator_on_ranks_gives_the_file_of_one_process(tmp_path):
    """--method emulator: its design's batches dealt to 2 ranks, the same file as 1 x 2 threads;
    a progress file read by rank 0 alone resumes on 2 ranks to that file."""
    data = data_file(tmp_path)
    args = ["calibrate", *BASS, "--data", data, *FIT, "--method", "emulator", "--evaluations", 60,
            "--steps", 200, "--quiet"]
    one, two = tmp_path / "one.h5", tmp_path / "two.h5"
    done = custsim(*args, "--threads", 2, "-o", one)
    assert done.returncode == 0, done.stderr
    done = custsim(*args, "--threads", 1, "-o", two, ranks=2)
    assert done.returncode == 0, done.stderr
    assert_same_file(one, two)
    # A progress file cut short (the first design's, written by one process) resumed on 2 ranks.
    cut = tmp_path / "cut.h5"
    process = subprocess.Popen([BIN, *map(str, [*args, "--threads", 1, "-o", cut])], cwd=ROOT,
                               env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    partial = Path(str(cut) + ".partial")
    deadline = time.monotonic() + 60
    while not partial.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    process.wait(timeout=60)
    assert process.returncode == 130 and partial.exists() and not cut.exists()
    done = custsim(*args, "--threads", 1, "-o", cut, ranks=2)
    assert done.returncode == 0, done.stderr
    assert_same_file(one, cut)


def test_calibrate_on_ranks_gives_the_file_of_one_process(tmp_path):
    data = data_file(tmp_path)
    files = {}
    for threads, ranks in ((1, None), (2, None), (1, 2), (1, 3)):
        out = tmp_path / f"t{threads}r{ranks}.h5"
        done = custsim("calibrate", *BASS, "--data", data, *FIT, "--steps", 6,
                       "--threads", threads, "-o", out, ranks=ranks)
        assert done.returncode == 0, done.stderr
        assert ("evaluations over" in done.stdout) == (ranks is not None), done.stdout
        if ranks:
            assert f"calibrate: evaluations over {ranks} ranks" in done.stdout
            assert done.stdout.count("posterior: ") == 1  # only rank 0 prints
        files[threads, ranks] = out
    reference = files[1, None]
    for layout, out in files.items():
        assert_same_file(reference, out)
    assert not list(tmp_path.glob("*.partial")) and not list(tmp_path.glob("*.tmp*"))


def test_optimise_on_ranks_gives_the_file_of_one_process(tmp_path):
    files = {}
    for threads, ranks in ((1, None), (2, None), (1, 2), (1, 3)):
        out = tmp_path / f"t{threads}r{ranks}.h5"
        done = custsim("optimise", *SMALL, *OPTIMISE, "--threads", threads, "-o", out,
                       ranks=ranks)
        assert done.returncode == 0, done.stderr
        if ranks:
            assert f"optimise: evaluations over {ranks} ranks" in done.stdout
            assert done.stdout.count("evaluations: ") == 1  # only rank 0 prints
        files[threads, ranks] = out
    for out in files.values():
        assert_same_file(files[1, None], out)
    with h5py.File(files[1, 3]) as f:
        assert len(f["evaluations/mean"]) > 10 and float(f.attrs["customer_days"]) > 0


def steps_done(partial):
    with h5py.File(partial) as f:
        return int(f.attrs["steps_done"])


def rank_processes(mpirun):
    """The ranks mpirun started (its children), by process id."""
    found = subprocess.run(["pgrep", "-P", str(mpirun.pid)], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def test_a_killed_calibration_resumes_on_another_layout(tmp_path):
    data = data_file(tmp_path)
    args = ["calibrate", *BASS, "--set", "population.customers=2000", "--data", data, *FIT,
            "--steps", 30, "--threads", 1]
    whole = tmp_path / "whole.h5"
    assert custsim(*args, "-o", whole, "--quiet").returncode == 0
    cut = tmp_path / "cut.h5"
    partial = tmp_path / "cut.h5.partial"
    mpirun = subprocess.Popen(["mpirun", "--oversubscribe", "-np", "2", BIN, *map(str, args),
                               "-o", str(cut), "--quiet"], cwd=ROOT, env=ENV,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not partial.exists() and mpirun.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    for pid in rank_processes(mpirun):  # kill -9 every rank as soon as the optimiser is done
        os.kill(pid, signal.SIGKILL)
    mpirun.wait(timeout=60)
    assert not cut.exists() and steps_done(partial) < 30
    done = custsim(*args, "-o", cut, ranks=3)
    assert done.returncode == 0, done.stderr
    assert "calibrate: resuming from" in done.stdout, done.stdout
    assert_same_file(whole, cut)
    assert not partial.exists()


def test_interrupted_ranks_stop_together_and_write_nothing(tmp_path):
    out = tmp_path / "cut.h5"
    # The default search (more evaluations, up to 8 replicates) at 20 000 customers over a year:
    # a minute or more even on idle cores (at 2 000 customers over 60 days it ends within a
    # second there), cut after 2 s, while each evaluation takes a second or two.
    mpirun = subprocess.Popen(["mpirun", "--oversubscribe", "-np", "2", BIN, "optimise", *SMALL,
                               "--set", "population.customers=20000", "--set", "days=365",
                               "--budget", "10000",
                               "--levers", "tv,search,agents", "--quiet", "-o", str(out)],
                              cwd=ROOT, env=ENV,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(rank_processes(mpirun)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(2)  # past the setup, into the evaluations
    ranks = rank_processes(mpirun)
    assert len(ranks) == 2
    for pid in ranks:  # what Slurm's scancel --signal=INT or a kill of the ranks sends
        os.kill(pid, signal.SIGINT)
    _, stderr = mpirun.communicate(timeout=300)
    assert mpirun.returncode == 130, stderr
    assert stderr.count("custsim: interrupted; no results file was written") == 1, stderr
    assert not out.exists() and not list(tmp_path.glob("*.tmp*"))


def test_errors_end_every_rank_with_one_message(tmp_path):
    data = data_file(tmp_path)
    # Bad input, met by every rank before any evaluation.
    done = custsim("calibrate", *BASS, "--data", data, *FIT, "--walkers", 3, "-o",
                   tmp_path / "a.h5", ranks=2)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("--walkers: must be even") == 1, done.stderr
    # A progress file of another calibration, read by rank 0 alone: every rank stops.
    (tmp_path / "b.h5.partial").write_bytes(b"not a checkpoint")
    done = custsim("calibrate", *BASS, "--data", data, *FIT, "-o", tmp_path / "b.h5", ranks=3)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("b.h5.partial") == 1, done.stderr
    assert not list(tmp_path.glob("*.h5"))
