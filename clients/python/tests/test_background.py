"""Content larger than the hub hashes in a request is hashed in the background: registering
it still returns the version, after telling the caller's progress callback how far the hub is;
a refusal found in the background is raised as its typed error."""

from __future__ import annotations

import hashlib
import os

import pytest

import evalhub


def test_a_large_file_is_registered_in_the_background(hub, tmp_path):
    path = tmp_path / "weights.bin"
    content = os.urandom(6 * 2**20)
    path.write_bytes(content)
    seen: list[tuple[int, int]] = []
    version = hub.register_model("background/large@v1", path, progress=lambda done, total: seen.append((done, total)))
    assert version["digest"] == "sha256:" + hashlib.sha256(content).hexdigest()
    assert version["version"] == "v1"
    assert version["created"] is True
    assert seen and seen[-1] == (len(content), len(content))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_a_refusal_found_in_the_background_is_its_typed_error(hub, tmp_path):
    path = tmp_path / "not-a-model.onnx"
    path.write_bytes(b"x" * (5 * 2**20))
    with pytest.raises(evalhub.ModelContentError):
        hub.register_model("background/refused@v1", path, upload=False)
