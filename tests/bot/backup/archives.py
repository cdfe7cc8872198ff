"""Rewriting a real backup into a damaged or hostile one, for the restore tests."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

Edit = Callable[[dict[str, Any], dict[str, bytes]], None]


def members_of(archive: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and every other member's bytes."""
    with tarfile.open(archive, "r:gz") as tar:
        contents = {}
        for member in tar.getmembers():
            handle = tar.extractfile(member)
            assert handle is not None
            contents[member.name] = handle.read()
    return json.loads(contents.pop("manifest.json")), contents


def write_members(
    out: Path, manifest: dict[str, Any] | bytes, contents: dict[str, bytes]
) -> Path:
    """A tar.gz with ``manifest.json`` first, then ``contents`` in order."""
    body = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
    with tarfile.open(out, "w:gz") as tar:
        for name, data in [("manifest.json", body), *contents.items()]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out


def rewritten(archive: Path, out: Path, edit: Edit, *, fix_checksums: bool = True) -> Path:
    """``archive`` changed by ``edit``; sizes and checksums updated to match (unless told not)."""
    manifest, contents = members_of(archive)
    edit(manifest, contents)
    if fix_checksums:
        for entry, prefix, suffix in _entries(manifest):
            data = contents.get(f"{prefix}{entry['name']}{suffix}")
            if data is not None:
                entry["size"] = len(data)
                entry["sha256"] = hashlib.sha256(data).hexdigest()
    return write_members(out, manifest, contents)


def _entries(manifest: dict[str, Any]) -> list[tuple[dict[str, Any], str, str]]:
    tables = [(entry, "database/", ".jsonl") for entry in manifest["tables"]]
    return tables + [(entry, "data/", "") for entry in manifest["files"]]
