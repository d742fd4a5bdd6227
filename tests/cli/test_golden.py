"""Golden outputs: a fresh run of every shipped scenario matches the stored dataset hashes.

Stored datasets must be bit-identical; datasets a later change adds are allowed (and listed
on failure), so a new KPI does not need new hashes while an old one changing does.
"""
import json
import os
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "golden"))
import golden  # noqa: E402

BIN = os.environ.get("CUSTSIM_BIN", "build/release/core/custsim")
STORED = json.loads(golden.HASHES.read_text())


def test_every_shipped_scenario_has_stored_hashes():
    assert sorted(s.name for s in golden.scenarios()) == sorted(STORED)


@pytest.mark.parametrize("name", sorted(STORED))
def test_outputs_are_bit_identical_to_the_stored_ones(name, tmp_path):
    fresh = golden.run(BIN, golden.ROOT / "scenarios" / name, tmp_path / "out.h5")
    changed = sorted(k for k, v in STORED[name].items() if fresh.get(k) != v)
    assert not changed, f"{name}: datasets changed or missing: {changed}"
