"""Golden outputs: every shipped scenario run for 2 replicates and 60 days, each dataset hashed.

`python3 tests/golden/golden.py BIN --write` stores the hashes in tests/golden/hashes.json;
tests/cli/test_golden.py compares a fresh run with them. A refactoring must leave them alone;
a change of the model updates them in its own commit, saying why.
"""
import hashlib
import json
import pathlib
import subprocess
import sys
import tempfile

import h5py
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
HASHES = ROOT / "tests" / "golden" / "hashes.json"


def scenarios():
    """The shipped run scenarios (sweep files are not runs)."""
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        if not path.name.startswith("sweep"):
            yield path


def dataset_hashes(path):
    """sha256 of each dataset's shape and float64 bytes, and of each name list, by HDF5 path."""
    found = {}
    with h5py.File(path, "r") as f:
        def visit(name, item):
            if isinstance(item, h5py.Dataset):
                data = np.ascontiguousarray(item[()], dtype="<f8")
                digest = hashlib.sha256(repr(data.shape).encode() + data.tobytes())
                found[name] = digest.hexdigest()
            elif "names" in item.attrs:
                names = [str(n) for n in item.attrs["names"]]
                found[name + "@names"] = hashlib.sha256("\n".join(names).encode()).hexdigest()
        f.visititems(visit)
    return found


def run(binary, scenario, out):
    subprocess.run([str(binary), "run", str(scenario), "-o", str(out), "--replicates", "2",
                    "--set", "days=60", "--threads", "2", "--quiet"], check=True,
                   capture_output=True)
    return dataset_hashes(out)


def all_hashes(binary):
    with tempfile.TemporaryDirectory() as folder:
        return {s.name: run(binary, s, pathlib.Path(folder) / (s.stem + ".h5"))
                for s in scenarios()}


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[2] != "--write":
        sys.exit("usage: golden.py CUSTSIM_BIN --write")
    HASHES.write_text(json.dumps(all_hashes(sys.argv[1]), indent=1, sort_keys=True) + "\n")
    print("wrote", HASHES)
