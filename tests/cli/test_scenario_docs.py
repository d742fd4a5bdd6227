"""docs/scenarios.md against the scenario schema (`custsim keys`): its generated table is the
current one, and every key of its YAML blocks exists, shows its default and states its range."""
import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("CUSTSIM_BIN", str(ROOT / "build/release/core/custsim"))
DOCS = (ROOT / "docs" / "scenarios.md").read_text()
# Keys whose range the YAML blocks must state at the start of their comment.
RANGED = {"number", "whole number", "choice", "list of flags", "map of numbers"}


def keys_markdown():
    done = subprocess.run([BIN, "keys", "--markdown"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def schema():
    """key path -> (type, default, allowed), from the Markdown table."""
    found = {}
    for row in keys_markdown().splitlines()[2:]:
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", row)[1:-1]]
        path, kind, default, allowed = cells
        found[path.strip("`")] = (kind, default[1:-1], allowed)
    return found


def documented():
    """key path -> (value, comment) for every key line of the YAML blocks under `## Keys`."""
    section = DOCS.split("\n## Keys\n", 1)[1].split("\n## ", 1)[0]
    found = {}
    for block in re.findall(r"```yaml\n(.*?)```", section, re.S):
        stack = []  # (indent, path of the map the lines below belong to)
        last = None
        for line in block.splitlines():
            if re.match(r"\s*#", line):
                if last:  # a comment line continues the key's comment
                    value, comment = found[last]
                    found[last] = (value, (comment + " " + line.strip()[1:].strip()).strip())
                continue
            m = re.match(r"(\s*)(- )?([a-z_]+):\s*(.*?)\s*(?:#\s*(.*))?$", line)
            assert m, f"not a key line in docs/scenarios.md: {line!r}"
            indent = len(m[1]) + (2 if m[2] else 0)
            while stack and stack[-1][0] >= indent:
                stack.pop()
            if m[2] and stack and not stack[-1][1].endswith("[]"):
                stack[-1] = (stack[-1][0], stack[-1][1] + "[]")
            path = (stack[-1][1] + "." if stack else "") + m[3]
            assert path not in found, f"docs/scenarios.md shows {path} twice"
            found[path] = (m[4], m[5] or "")
            last = path
            if not m[4]:
                stack.append((indent, path))
    return found


def test_keys_markdown_is_the_table_in_the_docs():
    table = keys_markdown()
    assert table.startswith("| key | type | default | allowed |")
    assert "<!-- custsim keys --markdown -->\n" + table + "<!-- end -->" in DOCS


def test_the_yaml_blocks_show_every_key_with_its_default_and_range():
    known, shown = schema(), documented()
    assert sorted(set(known) - set(shown)) == [], "keys missing from docs/scenarios.md"
    sections = {p for p, (value, _) in shown.items()
                if not value and any(k.startswith(p + ".") for k in known)}
    assert sorted(set(shown) - set(known) - sections) == [], "docs/scenarios.md: unknown keys"
    for path, (value, comment) in shown.items():
        if path in sections:
            continue
        kind, default, allowed = known[path]
        if value and not comment.startswith("required"):
            assert value == default, f"{path}: docs show {value}, the default is {default}"
        if kind in RANGED:
            assert comment == allowed or comment.startswith(allowed + ";"), \
                f"{path}: the comment should start with '{allowed}', got '{comment}'"


def test_keys_lists_every_key_and_is_hidden_from_help():
    done = subprocess.run([BIN, "keys"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "brands[].service.it_capacity" in done.stdout
    assert " keys " not in subprocess.run([BIN, "--help"], capture_output=True,
                                          text=True).stdout
