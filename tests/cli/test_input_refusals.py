"""Hostile or malformed input is refused by the command line: exit 2, one message naming the
file (and line) and what is allowed; never a crash, a hang or a silent 0-customer run (issue 12)."""
import gzip
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("CUSTSIM_BIN", str(ROOT / "build/release/core/custsim"))
BASS = ROOT / "scenarios" / "bass.yaml"


def custsim(*args, cwd=ROOT):
    return subprocess.run([BIN, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=60)


def refused(done, *parts):
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert done.stdout == ""
    message = done.stderr
    assert message.startswith("custsim: ") and message.count("\n") == 1, message
    for part in parts:
        assert part in message, message
    return message


def scenario(tmp_path, text, name="s.yaml"):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def billion_laughs(levels):
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("text, parts", [
    ("a: &a [*a]\n", ["s.yaml:1: the alias *a refers to a node that contains it"]),
    (billion_laughs(9), ["aliases expand to more than 1 MB of nodes"]),
    ("x: " + "[" * 5000 + "]" * 5000 + "\n", ["s.yaml:1: lists and maps nest deeper than 64"]),
    ("name: a\n---\nname: b\n", ["s.yaml:2: a second YAML document"]),
    ("days: !foo 3\n", ["s.yaml:1: the tag '!foo' is not allowed"]),
    ("days: [1, 2]\n", ["s.yaml:1: days: must be a number, got a list"]),
    ("replicates: 0\n", ["replicates: must be a whole number from 1 to 4294967295, got '0'"]),
    ("seed: 18446744073709551616\n", ["s.yaml:1: seed: must be a whole number from 0 to"]),
    ("graph: {type: mean_field}\nseeds: {count: 18446744073709551615}\n", ["seeds.count"]),
    ("graph: {type: mean_field}\npopulation: {customers: 5}\n"
     "ambassadors: {count: 6, by: random}\n", ["ambassadors.count: must not exceed customers"]),
    ("graph: {type: mean_field}\nrecord_every: 1e-300\n", ["s.yaml:2: record_every: must be"]),
    ("extends: /dev/zero\n", ["s.yaml:1: extends: /dev/zero: it is not a regular file"]),
    ("extends: /tmp\n", ["s.yaml:1: extends: /tmp: it is a folder"]),
], ids=lambda value: value[:24] if isinstance(value, str) else "")
def test_malformed_scenarios_are_refused(tmp_path, text, parts):
    refused(custsim("validate", scenario(tmp_path, text)), *parts)


def test_a_binary_file_is_refused_as_a_scenario_or_parent(tmp_path):
    binary = scenario(tmp_path, b"\x7fELF\x02\x01\x01\x00" * 64, "binary.yaml")
    refused(custsim("validate", binary), "binary.yaml:1: the control byte \\x7f is not allowed")
    child = scenario(tmp_path, "extends: binary.yaml\n", "child.yaml")
    refused(custsim("run", child, "-o", tmp_path / "out.h5"), "binary.yaml:1: the control byte")
    assert not (tmp_path / "out.h5").exists()


def test_a_name_twice_in_an_extending_list_is_refused(tmp_path):
    child = scenario(tmp_path, f"extends: {BASS}\nchannels:\n  - {{name: advertising}}\n"
                               "  - {name: advertising, adoption_rate: 0.5}\n")
    refused(custsim("validate", child),
            "s.yaml:4: channels[1].name: 'advertising' names two items of channels")


@pytest.mark.parametrize("assignment, part", [
    ("extends=baseline.yaml", "extends: cannot be set with --set"),
    (".=1", "'.' is not a key path"),
    ("days.=5", "'days.' is not a key path: it ends with '.'"),
    ("channels[0x0].adoption_rate=0.1", "the index [0x0] is not a decimal whole number"),
    ("days=[1]", "days: must be a number, got a list"),
])
def test_malformed_overrides_are_refused(assignment, part):
    refused(custsim("validate", BASS, "--set", assignment), f"--set {assignment}: ", part)


def test_a_path_too_long_is_a_clear_refusal(tmp_path):
    name = tmp_path / ("a" * 5000 + ".yaml")
    for command in ("run", "validate"):
        message = refused(custsim(command, name), "cannot open the scenario file: File name too long")
        assert len(message) < 400


def test_control_bytes_are_escaped_in_messages(tmp_path):
    path = scenario(tmp_path, 'days: "3\\e[2J\\x01"\n"k\\e[31m": 1\n')
    message = refused(custsim("validate", path), "days: must be a number, got '3\\x1b[2J\\x01'")
    assert "\x1b" not in message and "\x01" not in message


@pytest.mark.parametrize("name, content, part", [
    ("empty.txt", b"", "empty.txt: no edges in 0 lines"),
    ("comments.txt", b"# a\n% b\n", "comments.txt: no edges in 2 lines"),
    ("zero.txt.gz", b"", "zero.txt.gz: no edges in 0 lines"),
    ("header.csv", b"source,target\n", "no edges in 1 line after the header"),
    ("word.txt", b"1 two\n2 3\n", "word.txt:1: expected two ids"),
    ("float.txt", b"1.5 2\n", "float.txt:1: expected two ids"),
    ("hex.txt", b"0x1 0x2\n", "hex.txt:1: expected two ids"),
    ("huge.txt", b"18446744073709551616 1\n", "huge.txt:1: expected two ids"),
])
def test_malformed_edge_lists_are_refused(tmp_path, name, content, part):
    path = tmp_path / name
    path.write_bytes(content)
    refused(custsim("graph-stats", path), part)
    run = scenario(tmp_path, f"graph: {{type: edge_list, path: {name}}}\ndays: 2\n"
                             "channels: [{name: a, adoption_rate: 0.1}]\n")
    refused(custsim("run", run, "-o", tmp_path / "out.h5", "--quiet"), part)
    assert not (tmp_path / "out.h5").exists()


def test_a_truncated_gzip_edge_list_is_called_truncated(tmp_path):
    whole = gzip.compress(b"".join(b"%d %d\n" % (i, (i * 7919) % 30000) for i in range(30000)))
    path = tmp_path / "cut.txt.gz"
    path.write_bytes(whole[: len(whole) // 2])
    message = refused(custsim("graph-stats", path), "the gzip data ends early (a truncated file?)")
    assert "expected two ids" not in message


def test_edge_list_ambassadors_are_checked_once_the_graph_is_read(tmp_path):
    (tmp_path / "tri.txt").write_text("0 1\n1 2\n2 0\n")
    run = scenario(tmp_path, "graph: {type: edge_list, path: tri.txt}\ndays: 2\n"
                             "channels: [{name: a, adoption_rate: 0.1}]\n"
                             "ambassadors: {count: 4, by: random}\n")
    assert custsim("validate", run).returncode == 0  # the size is not known before reading
    refused(custsim("run", run, "-o", tmp_path / "out.h5", "--quiet"),
            "ambassadors.count: must not exceed the 3 customers of the graph")
    ok = custsim("run", run, "-o", tmp_path / "out.h5", "--quiet", "--set", "ambassadors.count=3")
    assert ok.returncode == 0, ok.stderr
