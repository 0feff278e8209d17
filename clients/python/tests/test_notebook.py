"""The example notebook executes top to bottom against the test hub, so it cannot rot."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import CLIENT, ROOT

NOTEBOOK = ROOT / "examples" / "notebook.ipynb"


def test_the_example_notebook_runs(hub_process, tmp_path):
    pytest.importorskip("nbconvert")
    pytest.importorskip("ipykernel")
    env = {
        **os.environ,
        "EVALHUB_URL": hub_process.url,
        "EVALHUB_TOKEN": hub_process.admin_token,
        "PYTHONPATH": os.pathsep.join([str(CLIENT), os.environ.get("PYTHONPATH", "")]),
    }
    out = tmp_path / "executed.ipynb"
    done = subprocess.run(
        # `jupyter nbconvert` (Debian's jupyter-nbconvert), or the module it runs.
        [*(["jupyter", "nbconvert"] if shutil.which("jupyter-nbconvert") else [sys.executable, "-m", "nbconvert"]),
         "--to", "notebook", "--execute",
         "--ExecutePreprocessor.timeout=120", "--output", str(out), str(NOTEBOOK)],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    cells = json.loads(out.read_text())["cells"]
    errors = [o for c in cells if c["cell_type"] == "code" for o in c["outputs"] if o["output_type"] == "error"]
    assert errors == []
    last = "".join(cells[-1]["outputs"][0]["data"]["text/plain"])
    assert "DatasetVersion" in last and "Finding" in last
