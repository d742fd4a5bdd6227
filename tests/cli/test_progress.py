"""Progress on standard error: a line every 5 % ending at 100 % when it is not a terminal (a log
file, a batch job), a line redrawn in place on a terminal, nothing with --quiet (issue 17)."""
import os
import pty
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("CUSTSIM_BIN", str(ROOT / "build/release/core/custsim"))
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SMALL = ["--set", "population.customers=2000", "--set", "days=40", "--replicates", 2]
LINE = re.compile(r"^custsim: +(\d+) % done \((\w+) (\d+) of (\d+)(, day \d+)?\)"
                  r"(, \d+ s so far, about \d+ s left| in \d+\.\d s)$")


def custsim(*args):
    return subprocess.run([BIN, *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


def progress_lines(stderr):
    assert "\r" not in stderr, "no carriage returns in a log"
    lines = stderr.splitlines()
    for line in lines:
        assert LINE.match(line), line
    return [int(LINE.match(line).group(1)) for line in lines], lines


def check_every_few_percent(percents):
    # Each step moves the run by well under 5 %, so a line comes at every multiple of 5 % (and
    # perhaps more, once a minute): increasing, at most 10 % apart, the last at 100 %.
    assert len(percents) >= 20, percents
    assert percents == sorted(set(percents)) and percents[-1] == 100, percents
    assert percents[0] <= 10 and all(b - a <= 10 for a, b in zip(percents, percents[1:]))


def test_a_run_into_a_log_prints_a_line_every_few_percent_up_to_100(tmp_path):
    done = custsim("run", BASELINE, *SMALL, "-o", tmp_path / "r.h5")
    assert done.returncode == 0, done.stderr
    percents, lines = progress_lines(done.stderr)
    check_every_few_percent(percents)
    assert "(replicate 1 of 2, day 40)" in lines[percents.index(50)]
    assert lines[-1].startswith("custsim: 100 % done (replicate 2 of 2, day 40) in ")
    assert "results:" in done.stdout  # the summary still goes to standard output


def test_experiments_and_sweeps_report_progress_over_all_their_runs(tmp_path):
    done = custsim("compare", BASELINE, ROOT / "scenarios" / "ads_heavy.yaml", *SMALL)
    assert done.returncode == 0, done.stderr
    percents, lines = progress_lines(done.stderr)
    check_every_few_percent(percents)
    # A, B and B with another seed: 3 runs of 2 replicates, counted as one job.
    assert lines[-1].startswith("custsim: 100 % done (replicate 6 of 6, day 40) in ")
    sweep = tmp_path / "s.yaml"
    sweep.write_text(f"base: {BASELINE}\nset: [population.customers=2000, days=40, "
                     "replicates=2]\nparameters:\n"
                     "  - {key: brands.focal.price, values: [10, 14]}\n")
    done = custsim("sweep", sweep, "-o", tmp_path / "s.h5")
    assert done.returncode == 0, done.stderr
    percents, lines = progress_lines(done.stderr)
    check_every_few_percent(percents)  # within points too, not only as each one ends
    assert lines[-1].startswith("custsim: 100 % done (point 2 of 2) in ")


def test_quiet_leaves_standard_error_empty(tmp_path):
    sweep = tmp_path / "s.yaml"
    sweep.write_text(f"base: {BASELINE}\nset: [population.customers=2000, days=20]\n"
                     "parameters:\n  - {key: brands.focal.price, values: [10, 14]}\n")
    for args in (["run", BASELINE, *SMALL, "-o", tmp_path / "r.h5"],
                 ["compare", BASELINE, ROOT / "scenarios" / "ads_heavy.yaml", *SMALL],
                 ["attribute", BASELINE, *SMALL],
                 ["response", BASELINE, *SMALL, "--channel", "tv", "--spend", "0:60:2"],
                 ["sweep", sweep, "-o", tmp_path / "s.h5"]):
        done = custsim(*args, "--quiet")
        assert done.returncode == 0, done.stderr
        assert done.stderr == "", (args[0], done.stderr)


def test_a_terminal_gets_one_line_redrawn_not_a_log(tmp_path):
    # Standard error on a pseudo-terminal: whatever is drawn is redrawn with \r and cleared at
    # the end; never the log's lines.
    leader, follower = pty.openpty()
    try:
        done = subprocess.run([BIN, "run", str(BASELINE), *map(str, SMALL), "-o",
                               str(tmp_path / "r.h5")], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=follower, timeout=600)
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal's other end is closed and drained
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(leader)
    assert done.returncode == 0
    assert b"% done" not in seen and b"\n" not in seen.replace(b"\r\n", b""), seen
    if seen:
        assert seen.endswith(b"\r") and b"replicate" in seen, seen
