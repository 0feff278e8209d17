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


def digest_path(path: str | os.PathLike) -> str:
    """``sha256:<hex>`` of a file or a folder, as the hub computes it."""
    p = Path(path)
    if p.is_dir():
        listing = hashlib.sha256()
        for relative in _folder_files(p):
            listing.update(_checksum_line(_file_hex(p / os.fsdecode(relative)), relative))
        return f"sha256:{listing.hexdigest()}"
    return f"sha256:{_file_hex(p)}"
