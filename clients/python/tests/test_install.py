"""`pip install ./clients/python` installs the whole package, offline, with the system's tools."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys

import pytest

from conftest import CLIENT


def test_pip_installs_every_module(tmp_path):
    # Looked for, not imported: importing setuptools here would patch this process's distutils.
    missing = [name for name in ("pip", "setuptools") if importlib.util.find_spec(name) is None]
    if missing:
        pytest.skip(f"no {', '.join(missing)} (Debian: python3-pip python3-setuptools)")
    target = tmp_path / "site"
    # Built from a copy: setuptools leaves a build/ folder beside the sources it builds.
    source = tmp_path / "source"
    shutil.copytree(CLIENT, source, ignore=shutil.ignore_patterns("tests", "build", "__pycache__", "*.egg-info"))
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-build-isolation", "--no-deps", "--no-index",
         "--no-cache-dir", "--target", str(target), str(source)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    shipped = sorted(p.name for p in (target / "evalhub").glob("*.py"))
    assert shipped == sorted(p.name for p in (CLIENT / "evalhub").glob("*.py"))
    # The installed copy imports by itself (not from the source tree), with its whole API.
    check = "import evalhub, sys; print(evalhub.__file__); print(len(evalhub.__all__))"
    imported = subprocess.run([sys.executable, "-c", check], cwd=tmp_path, capture_output=True,
                              text=True, env={"PYTHONPATH": str(target)}, timeout=60)
    assert imported.returncode == 0, imported.stderr
    where, count = imported.stdout.split()
    assert where.startswith(str(target)) and int(count) > 15
