"""Content digests by the hub's rule, which coreutils reproduces.

- a file: ``sha256sum FILE``
- a folder: ``cd DIR && find . -type f | sed 's|^\\./||' | LC_ALL=C sort | xargs -d '\\n' sha256sum | sha256sum``
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

_CHUNK = 1 << 20


def _file_hex(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _checksum_line(hex_digest: str, relative: bytes) -> bytes:
    """The line sha256sum prints for one file, escaping names the way coreutils does."""
    if b"\\" not in relative and b"\n" not in relative:
        return hex_digest.encode() + b"  " + relative + b"\n"
    escaped = relative.replace(b"\\", b"\\\\").replace(b"\n", b"\\n")
    return b"\\" + hex_digest.encode() + b"  " + escaped + b"\n"


def _folder_files(root: Path) -> list[bytes]:
    """Regular files below ``root`` as relative paths (bytes), links not followed, as ``find -type f``."""
    found = []
    base = os.fsencode(root)
    for folder, _dirs, files in os.walk(base, followlinks=False):
        for name in files:
            full = os.path.join(folder, name)
            if os.path.isfile(full) and not os.path.islink(full):
                found.append(os.path.relpath(full, base))
    return sorted(found)  # bytes order: LC_ALL=C sort


def hashed_files(path: str | os.PathLike) -> tuple[str, bool, list[tuple[str, str, int]]]:
    """The digest of a file or folder, whether it is a folder, and each of its files as
    (relative path, sha256 hex, size); a single file's path is ``""``."""
    p = Path(path)
    if p.is_dir():
        listing = hashlib.sha256()
        files = []
        for relative in _folder_files(p):
            full = p / os.fsdecode(relative)
            hex_digest = _file_hex(full)
            listing.update(_checksum_line(hex_digest, relative))
            files.append((os.fsdecode(relative), hex_digest, full.stat().st_size))
        return f"sha256:{listing.hexdigest()}", True, files
    hex_digest = _file_hex(p)
    return f"sha256:{hex_digest}", False, [("", hex_digest, p.stat().st_size)]


def digest_path(path: str | os.PathLike) -> str:
    """``sha256:<hex>`` of a file or a folder, as the hub computes it."""
    return hashed_files(path)[0]
