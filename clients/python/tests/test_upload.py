"""Registration against a hub that cannot read the files: the content is uploaded to the
hub's store (verified there, resumable) and the version registered by its content uri; and
`Hub()` finds the hub and token `evalhub login` stored."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

import evalhub
import evalhub.upload
from evalhub.digest import hashed_files
from evalhub.errors import DigestMismatchError


def sha256sum(path) -> str:
    return "sha256:" + subprocess.run(["sha256sum", str(path)], capture_output=True, text=True).stdout.split()[0]


def folder_sha256sum(path) -> str:
    script = "find . -type f | sed 's|^\\./||' | LC_ALL=C sort | xargs -d '\\n' sha256sum | sha256sum"
    return "sha256:" + subprocess.run(["bash", "-c", script], cwd=path, capture_output=True, text=True).stdout.split()[0]


@pytest.fixture
def unreadable_by_hub():
    """A folder the hub may not read though this process can: the hub refuses /dev paths."""
    if not os.access("/dev/shm", os.W_OK):
        pytest.skip("no writable /dev/shm")
    with tempfile.TemporaryDirectory(dir="/dev/shm") as folder:
        yield Path(folder)


def test_uploads_what_the_hub_cannot_read_and_registers_it(hub, unreadable_by_hub):
    path = unreadable_by_hub / "weights.bin"
    path.write_bytes(os.urandom(3000))
    version = hub.register_model("up/net@v1", path)
    digest = sha256sum(path)
    assert (version["uri"], version["digest"], version["sizeBytes"]) == (f"content:{digest}", digest, 3000)

    # Refused when told not to upload: the hub's own words, at the uri.
    with pytest.raises(evalhub.ValidationError) as refused:
        hub.register_model("up/net@v2", path, upload=False)
    assert refused.value.path[-1] == "uri"


def test_uploads_a_folder_when_asked(hub, tmp_path):
    images = tmp_path / "images"
    for label in ("cat", "dog"):
        (images / label).mkdir(parents=True)
        for i in range(3):
            (images / label / f"{i}.png").write_bytes(f"{label}-{i}".encode())
    (images / "dog" / "same-as-cat.png").write_bytes(b"cat-0")
    version = hub.register_dataset("up/pets@v1", images, task="IMAGE_CLASSIFICATION", upload=True)
    digest = folder_sha256sum(images)
    assert (version["uri"], version["digest"], version["itemCount"]) == (f"content:{digest}", digest, 7)


def test_resumes_an_upload_where_the_hub_has_it(hub, tmp_path, monkeypatch):
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(5000))
    digest = sha256sum(path)
    route = f"/api/v1/content/{digest.replace(':', '/')}?project=up"
    transport = hub._transport
    # Someone sent the first 1000 bytes, then lost the connection.
    status, _headers, _body = transport.request(
        "PUT", route, path.read_bytes()[:1000],
        {"content-type": "application/octet-stream", "content-range": "bytes 0-999/5000"},
    )
    assert status == 200
    sent = []
    real = transport.request

    def recording(method, route_, data=None, headers=None):
        if method == "PUT":
            sent.append((headers or {}).get("content-range"))
        return real(method, route_, data, headers)

    monkeypatch.setattr(transport, "request", recording)
    monkeypatch.setattr(evalhub.upload, "CHUNK_BYTES", 1500)
    version = hub.register_model("up/big@v1", path, upload=True)
    assert version["digest"] == digest
    assert sent == ["bytes 1000-2499/5000", "bytes 2500-3999/5000", "bytes 4000-4999/5000"]


def test_refuses_content_whose_digest_is_not_the_one_claimed(hub, tmp_path):
    path = tmp_path / "claimed.bin"
    path.write_bytes(b"what arrives")
    _digest, _is_folder, files = hashed_files(path)
    claimed = "sha256:" + "ab" * 32
    with pytest.raises(DigestMismatchError) as refused:
        evalhub.upload.upload(hub._transport, "up", path, claimed, False, files, progress=False)
    assert refused.value.expected == claimed
    status, headers, _body = hub._transport.request("HEAD", f"/api/v1/content/{claimed.replace(':', '/')}?project=up")
    assert (status, headers.get("upload-offset")) == (404, "0")


def test_hub_reads_the_login_of_the_command_line(hub_process, tmp_path, monkeypatch):
    for name in ("EVALHUB_URL", "EVALHUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "evalhub").mkdir()
    (tmp_path / "evalhub" / "config.json").write_text(
        json.dumps({"hub": hub_process.url, "token": hub_process.viewer_token})
    )
    me = evalhub.Hub().graphql("{ viewer { id admin } }")["viewer"]
    assert me["admin"] is False and me["id"].startswith("token:")
    # The stored token is for the stored hub only.
    other = evalhub.Hub("http://127.0.0.1:9")
    assert other._transport.token is None


@pytest.mark.usefixtures("pandas")
def test_a_run_evaluates_uploaded_predictions(hub, tmp_path, unreadable_by_hub):
    """The store keeps a file under its digest, without its name: CSV or JSONL, the hub reads it."""
    images = tmp_path / "images"
    rows = []
    for label in ("cat", "dog"):
        (images / label).mkdir(parents=True)
        for i in range(4):
            (images / label / f"{i}.png").write_bytes(f"{label}-{i}".encode())
            rows.append((f"{label}/{i}.png", label if i else "cat"))
    dataset = hub.register_dataset("up/animals@v1", images, task="IMAGE_CLASSIFICATION")
    as_csv = unreadable_by_hub / "predictions.csv"
    as_csv.write_text("id,label\n" + "".join(f"{i},{p}\n" for i, p in rows))
    as_jsonl = unreadable_by_hub / "predictions.jsonl"
    as_jsonl.write_text("".join(json.dumps({"id": i, "label": p}) + "\n" for i, p in rows))
    for version, path in (("csv", as_csv), ("jsonl", as_jsonl)):
        model = hub.register_model(f"up/guesser@{version}", path, task="IMAGE_CLASSIFICATION")
        assert model["uri"] == f"content:{sha256sum(path)}"
        run = hub.run("evaluate-classification", model=model, dataset=dataset).watch(progress=False)
        assert run.status == "SUCCEEDED", run.data.get("error")
        accuracy = run.metrics("accuracy")
        assert accuracy[accuracy.slice.map(len) == 0].value.tolist() == [7 / 8]
