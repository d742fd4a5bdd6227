"""Refusals and failures of the command line (issue 12, files and runs): each a clear message and
the documented exit code, never a crash, a hang or a silently wrong file (docs/reliability.md)."""
import fcntl
import os
import resource
import signal
import subprocess
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from h5compare import assert_same

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("CUSTSIM_BIN", str(ROOT / "build/release/core/custsim"))
BASELINE = ROOT / "scenarios" / "baseline.yaml"
BASS = ROOT / "scenarios" / "bass.yaml"
SMALL = ["--set", "population.customers=2000", "--set", "days=20", "--set", "replicates=2"]


def custsim(*args, timeout=120, **kwargs):
    return subprocess.run([BIN, *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, **kwargs)


# D20: the output is checked before the run. The run would take minutes (timeout: 20 s).
LONG = ["--set", "population.customers=50000", "--set", "days=3650"]


@pytest.mark.parametrize("output, message", [
    ("", "the results file name is empty"),
    ("./", "is a folder"),
    (".", "is a folder"),
    ("{tmp}", "is a folder"),
    ("{tmp}/missing/out.h5", "there is no folder"),
    ("/proc/out.h5", "cannot write in the folder /proc"),
])
def test_unwritable_output_is_refused_before_the_run(tmp_path, output, message):
    done = custsim("run", BASELINE, *LONG, "-o", output.format(tmp=tmp_path), "--quiet",
                   timeout=20)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert not list(tmp_path.glob("**/*.h5"))


def test_unwritable_output_of_a_sweep_and_a_comparison_is_refused_first(tmp_path):
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(f"base: {BASELINE}\nset: [population.customers=50000, days=3650]\n"
                     "parameters: [{key: brands.focal.price, values: [10, 12]}]\n")
    done = custsim("sweep", sweep, "-o", tmp_path / "no" / "x.h5", timeout=20)
    assert done.returncode == 2 and "there is no folder" in done.stderr
    assert not (tmp_path / "no").exists()
    done = custsim("compare", BASELINE, BASELINE, *LONG, "-o", "", timeout=20)
    assert done.returncode == 2 and "the results file name is empty" in done.stderr


# D6: thread counts are bounded.
@pytest.mark.parametrize("threads", ["100000", "-1", "1025"])
def test_thread_counts_out_of_range_are_refused(threads):
    done = custsim("run", BASS, "--threads", threads, "--quiet", "-o", "/tmp/never.h5")
    assert done.returncode == 2
    assert "--threads" in done.stderr and ("1024" in done.stderr or threads == "-1")


def test_the_largest_thread_count_runs_and_gives_the_same_results(tmp_path):
    one, many = tmp_path / "one.h5", tmp_path / "many.h5"
    assert custsim("run", BASELINE, *SMALL, "--threads", 1, "-o", one, "--quiet").returncode == 0
    done = custsim("run", BASELINE, *SMALL, "--threads", 1024, "-o", many, "--quiet")
    assert done.returncode == 0, done.stderr
    assert_same(one, many)


# D12: sizes are estimated before anything is allocated.
@pytest.mark.parametrize("change, message", [
    ("population.customers=4294967295", "of memory is available"),
    ("replicates=1000000000", "of memory is available"),
    ("graph.mean_degree=99998", "of memory is available"),
    ("days=1e9", "customer-steps allowed without --force"),
])
def test_runs_larger_than_the_machine_are_refused_with_the_estimate(change, message):
    extra = ["--set", "population.customers=100000"] if "mean_degree" in change else []
    if change.startswith("days"):
        extra = ["--set", "record_every=1e8"]
    done = custsim("run", BASELINE, *extra, "--set", change, "--quiet", "-o", "/tmp/never.h5",
                   timeout=30)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "--force" in done.stderr and "customer-steps" in done.stderr
    assert "std::bad_alloc" not in done.stderr


def test_force_runs_what_the_estimate_refuses(tmp_path):
    args = ["run", BASELINE, "--set", "population.customers=20000", "--set", "days=1e9",
            "--set", "record_every=1e8", "-o", tmp_path / "x.h5", "--quiet"]
    refused = custsim(*args)
    assert refused.returncode == 2 and "--force" in refused.stderr
    process = subprocess.Popen([BIN, *map(str, args), "--force"], cwd=ROOT,
                               stderr=subprocess.PIPE, text=True)
    time.sleep(2)
    running = process.poll() is None
    process.kill()
    _, stderr = process.communicate()
    assert running, stderr  # not refused: it was running the billion days


def sanitized(binary):
    """Whether `binary` is built with AddressSanitizer (it then reserves terabytes of shadow
    memory at start, so an address-space limit stops it before main)."""
    linked = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    return "libasan" in linked


def test_running_out_of_memory_is_a_clear_exit_1(tmp_path):
    # --force past the estimate, in a process that may not have more than 1 GB: std::bad_alloc.
    # Under ASan the 1 GB cap is ASan's own largest allocation instead of an rlimit.
    env, limit = dict(os.environ), None
    if sanitized(BIN):
        env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") +
                               ":allocator_may_return_null=1:max_allocation_size_mb=1024:soft_rss_limit_mb=1024")
    else:
        def limit():
            resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    done = custsim("run", BASS, "--set", "population.customers=200000000", "--force",
                   "--threads", 1, "-o", tmp_path / "x.h5", "--quiet", preexec_fn=limit, env=env)
    assert done.returncode == 1, done.stderr
    assert "out of memory" in done.stderr
    assert not (tmp_path / "x.h5").exists()


# D23: a KPI that stops being a number fails the run.
def test_non_finite_kpis_fail_the_run_and_leave_no_file(tmp_path):
    out = tmp_path / "inf.h5"
    # The sample is the market (represents 0), so the spend overflows as given.
    done = custsim("run", BASELINE, *SMALL, "--set", "brands.focal.media[0].spend_per_day=1e308",
                   "--set", "population.represents=0", "-o", out, "--quiet")
    assert done.returncode == 2, done.stderr
    assert "KPI 'media_cost' became inf on day 2 of replicate 0" in done.stderr
    assert not out.exists()


# D7: a full disk is an error naming the file, exit 1, no crash at exit, no temporary left.
def small_filesystem(tmp_path):
    """A 64 kB tmpfs when allowed to mount one (root), else None."""
    folder = tmp_path / "small"
    folder.mkdir()
    if os.geteuid() != 0:
        return None
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
                             capture_output=True)
    return folder if mounted.returncode == 0 else None


def test_a_full_disk_is_exit_1_naming_the_file(tmp_path):
    folder = small_filesystem(tmp_path)
    limit = None
    if folder is None:  # not root: a file-size limit gives writes the same kind of failure
        folder = tmp_path / "small"

        def limit():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (64 << 10, 64 << 10))
    try:
        out = folder / "out.h5"
        done = custsim("run", BASELINE, "--set", "population.customers=2000", "--set", "days=60",
                       "-o", out, "--quiet", preexec_fn=limit)
        assert done.returncode == 1, (done.returncode, done.stderr)
        assert f"cannot write {out}: " in done.stderr
        assert ("No space left on device" in done.stderr or "File too large" in done.stderr)
        assert list(folder.iterdir()) == []
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)


# D3, D4, D21: sweep parts that do not belong to their point are run again.
SWEEP = """design: list
parameters:
  - key: brands.focal.price
    values: [10, 12, 14]
"""


@pytest.fixture(scope="module")
def finished_sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep")
    path = folder / "sweep.yaml"
    path.write_text(f"base: {BASELINE}\n"
                    "set: [population.customers=2000, days=20, replicates=2]\n" + SWEEP)
    clean = folder / "clean.h5"
    done = custsim("sweep", path, "-o", clean, "--quiet", "--keep-parts")
    assert done.returncode == 0, done.stderr
    return path, clean


def copy_parts(finished_sweep, tmp_path):
    path, clean = finished_sweep
    parts = tmp_path / "out.h5.parts"
    parts.mkdir()
    for part in Path(str(clean) + ".parts").iterdir():
        (parts / part.name).write_bytes(part.read_bytes())
    return parts


def set_dataset(part, name, values):
    with h5py.File(part, "r+") as f:
        del f[name]
        f[name] = values


def flip_a_data_byte(part):
    data = bytearray(part.read_bytes())
    with h5py.File(part) as f:
        offset = f["final/profit"].id.get_offset()
    data[offset + 3] ^= 0x40
    part.write_bytes(bytes(data))


@pytest.mark.parametrize("damage, reason", [
    (lambda parts: (parts / "point_1.h5").write_bytes((parts / "point_2.h5").read_bytes()),
     "it holds another point's results"),
    (lambda parts: set_dataset(parts / "point_1.h5", "final/profit", [1.0, 2.0]),
     "do not match the check line"),
    (lambda parts: flip_a_data_byte(parts / "point_1.h5"), "do not match the check line"),
    (lambda parts: set_dataset(parts / "point_1.h5", "final/profit", np.arange(1000.0)),
     "do not match the check line"),
    (lambda parts: (parts / "point_1.h5").write_bytes(b"not hdf5"), "no custsim check line"),
    (lambda parts: (parts / "point_1.h5").write_bytes((parts / "point_1.h5").read_bytes()[:900]),
     "do not match the check line"),
])
def test_a_part_that_does_not_belong_is_run_again(finished_sweep, tmp_path, damage, reason):
    path, clean = finished_sweep
    parts = copy_parts(finished_sweep, tmp_path)
    damage(parts)
    out = tmp_path / "out.h5"
    done = custsim("sweep", path, "-o", out)
    assert done.returncode == 0, done.stderr
    assert f"point_1.h5: " in done.stderr and reason in done.stderr
    assert "running point 1 again" in done.stderr
    assert "resuming: 2 points already finished" in done.stdout
    assert "1 run now" in done.stdout
    assert_same(clean, out)


def test_a_results_file_without_a_fingerprint_is_not_taken_for_a_part(finished_sweep, tmp_path):
    # The same point's numbers from `custsim run`: a sound file, but not a part of this sweep.
    path, clean = finished_sweep
    parts = copy_parts(finished_sweep, tmp_path)
    edited = custsim("run", BASELINE, "--set", "population.customers=2000", "--set", "days=20",
                     "--set", "replicates=2", "--set", "brands.focal.price=12", "-o",
                     tmp_path / "plain.h5", "--quiet")
    assert edited.returncode == 0
    (parts / "point_1.h5").write_bytes((tmp_path / "plain.h5").read_bytes())
    done = custsim("sweep", path, "-o", tmp_path / "out.h5")
    assert done.returncode == 0, done.stderr
    assert "point_1.h5: it has no fingerprint or checksum" in done.stderr
    assert_same(clean, tmp_path / "out.h5")


def test_a_second_sweep_on_the_same_output_is_refused(finished_sweep, tmp_path):
    path, _ = finished_sweep
    parts = copy_parts(finished_sweep, tmp_path)
    fd = os.open(parts, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as a running sweep holds it
        done = custsim("sweep", path, "-o", tmp_path / "out.h5")
    finally:
        os.close(fd)
    assert done.returncode == 2
    assert "is in use by another custsim sweep" in done.stderr
    assert not (tmp_path / "out.h5").exists()


def test_sweeping_replicates_or_days_is_refused(tmp_path):
    path = tmp_path / "sweep.yaml"
    path.write_text(f"base: {BASELINE}\nset: [population.customers=2000, days=20]\n"
                    "design: list\nparameters: [{key: replicates, values: [1, 3]}]\n")
    done = custsim("sweep", path, "-o", tmp_path / "x.h5")
    assert done.returncode == 2
    assert "replicates, days, dt and record_every must be the same at every point" in done.stderr
