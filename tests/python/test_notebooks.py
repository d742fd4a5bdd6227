"""Every notebook in notebooks/ runs headless without error (Debian's nbclient)."""
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks_and_none_carries_outputs():
    assert len(NOTEBOOKS) >= 5
    for path in NOTEBOOKS:
        book = nbformat.read(path, as_version=4)
        for cell in book.cells:
            assert cell.get("outputs", []) == [], f"{path.name}: outputs are not committed"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path):
    os.environ.setdefault("MPLBACKEND", "Agg")
    book = nbformat.read(path, as_version=4)
    NotebookClient(book, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    errors = [o for c in book.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_opens_with_its_question_and_closes_with_the_answer(path):
    """Issue 17: a notebook teaches: its first cell asks the question, its last cell gives the
    answer and its caveats."""
    book = nbformat.read(path, as_version=4)
    first, last = book.cells[0], book.cells[-1]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    title = first.source.splitlines()[0]
    assert title.rstrip().endswith("?"), f"{path.name}: the title is the question: {title}"
    assert "**The question.**" in first.source
    assert last.cell_type == "markdown"
    assert "**Answer.**" in last.source and "**Caveats.**" in last.source


def test_jupyter_notebook_serves_the_notebooks(tmp_path):
    """README: `jupyter notebook notebooks/` works (Debian's jupyter-notebook, from .ci/setup)."""
    import json
    import shutil
    import socket
    import subprocess
    import time
    import urllib.request

    jupyter = shutil.which("jupyter")
    assert jupyter, ".ci/setup installs jupyter-notebook"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path), JUPYTER_CONFIG_DIR=str(tmp_path),
               JUPYTER_DATA_DIR=str(tmp_path))
    server = subprocess.Popen(
        [jupyter, "notebook", str(ROOT / "notebooks"), "--no-browser", "--allow-root",
         f"--port={port}", "--NotebookApp.token=", "--NotebookApp.password=",
         "--NotebookApp.open_browser=False"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        listing = None
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents",
                                            timeout=5) as reply:
                    listing = json.load(reply)
                break
            except OSError:
                time.sleep(0.5)
        assert listing is not None, "the notebook server answered within a minute"
        served = {item["name"] for item in listing["content"]}
        assert {p.name for p in NOTEBOOKS} <= served
    finally:
        server.terminate()
        server.wait(timeout=30)
