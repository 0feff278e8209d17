"""Uploading a file or folder to a hub's content store, for a hub that cannot read your files
(README, "Uploading content"): a file in chunks, each sent at the offset the hub has (HEAD), so
a broken connection costs at most one chunk; a folder as its files, then their listing."""

from __future__ import annotations

import json
import os
import urllib.parse
from pathlib import Path

from ._transport import Transport
from .errors import (
    AuthenticationError,
    DigestMismatchError,
    EvalhubError,
    ForbiddenError,
    TransportError,
    ValidationError,
)

CHUNK_BYTES = 8 << 20
"""Bytes sent in one request."""
ATTEMPTS = 5
"""Failed requests in a row (nothing accepted in between) before giving up."""
FOLDER_MEDIA_TYPE = "application/vnd.evalhub.folder+json"


def _route(digest: str, project: str) -> str:
    return f"/api/v1/content/{digest.replace(':', '/')}?project={urllib.parse.quote(project)}"


def _refusal(status: int, body: bytes) -> EvalhubError:
    try:
        answer = json.loads(body)
    except ValueError:
        answer = {}
    message = answer.get("error") or f"the hub answered {status}"
    code = answer.get("code")
    if status == 401:
        return AuthenticationError(message)
    if status == 403:
        return ForbiddenError(message)
    if code == "DIGEST_MISMATCH":
        return DigestMismatchError(message, answer.get("expected"), answer.get("actual"))
    if status < 500:
        return ValidationError(message, answer.get("path"))
    return TransportError(f"HTTP {status}: {message}")


def _offset(transport: Transport, project: str, digest: str) -> tuple[bool, int]:
    """(whether the project has the content, bytes of it the hub has)."""
    status, headers, body = transport.request("HEAD", _route(digest, project))
    if status not in (200, 404):
        raise _refusal(status, body)
    return status == 200, int(headers.get("upload-offset") or 0)


def _upload_file(transport: Transport, project: str, path: Path, digest: str, size: int, on_bytes) -> None:
    stored, offset = _offset(transport, project, digest)
    on_bytes(size if stored else offset)
    if stored:
        return
    failures = 0
    with open(path, "rb") as f:
        while True:
            f.seek(offset)
            chunk = f.read(min(CHUNK_BYTES, size - offset))
            end = offset + len(chunk)
            headers = {"content-type": "application/octet-stream"}
            if size:
                headers["content-range"] = f"bytes {offset}-{end - 1}/{size}"
            try:
                status, _headers, body = transport.request("PUT", _route(digest, project), chunk, headers)
            except TransportError as error:
                status, body = None, error
            if status in (200, 201):
                on_bytes(end - offset)
                if json.loads(body).get("complete"):
                    return
                offset, failures = end, 0
                continue
            # Refused for what it is (digest, size, role): trying again changes nothing.
            if status is not None and status not in (409, 500, 502, 503, 504):
                raise _refusal(status, body)
            failures += 1
            if failures >= ATTEMPTS:
                raise body if status is None else _refusal(status, body)
            # Broken off, or out of place: go on from what the hub has.
            stored, now = _offset(transport, project, digest)
            if stored:
                return
            on_bytes(now - end)
            offset = now


def upload(transport: Transport, project: str, path: str | os.PathLike, digest: str, is_folder: bool,
           files: list[tuple[str, str, int]], progress: bool = True) -> str:
    """Uploads the content to the project's store unless it has it; returns its
    ``content:sha256:<hex>`` uri, to register a version with. `files` as ``hashed_files`` gives."""
    total = sum(size for _path, _hex, size in files)
    bar = _progress_bar(total) if progress else None

    def on_bytes(n: int) -> None:
        if bar is not None and n:
            bar.update(n)

    try:
        root = Path(path)
        if not is_folder:
            _upload_file(transport, project, root, digest, total, on_bytes)
            return f"content:{digest}"
        listing = json.dumps({"files": [{"path": p, "digest": f"sha256:{h}"} for p, h, _size in files]}).encode()

        def send_listing():
            return transport.request("PUT", _route(digest, project), listing, {"content-type": FOLDER_MEDIA_TYPE})

        status, _headers, body = send_listing()
        if status == 409:
            missing = json.loads(body).get("missing")
            if missing is None:
                raise _refusal(status, body)
            by_digest = {f"sha256:{h}": (p, size) for p, h, size in files}
            on_bytes(total - sum(by_digest[d][1] for d in missing if d in by_digest))
            for file_digest in missing:
                if file_digest not in by_digest:
                    raise ValidationError(f"the hub asked for {file_digest}, which is not in the folder")
                relative, size = by_digest[file_digest]
                _upload_file(transport, project, root / relative, file_digest, size, on_bytes)
            status, _headers, body = send_listing()
        else:
            on_bytes(total)
        if status not in (200, 201):
            raise _refusal(status, body)
        return f"content:{digest}"
    finally:
        if bar is not None:
            bar.close()


def _progress_bar(total: int):
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    try:
        return tqdm(total=total, desc="uploading", unit="B", unit_scale=True, leave=False)
    except Exception:  # no terminal, no widgets: upload without a bar
        return None


__all__ = ["upload", "CHUNK_BYTES"]
