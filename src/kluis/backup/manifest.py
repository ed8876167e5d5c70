"""The manifest of a backup: what it holds, when it was made, at which schema revision, and
the SHA-256 of every file, itself authenticated with an HMAC under a key derived from the key
file. A restore checks all of it before it touches the database."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Literal

from kluis.backup.errors import BackupInvalid
from kluis.i18n import N_

FORMAT: Final = 1
_CHUNK: Final = 1 << 20

Kind = Literal["data", "keys"]


@dataclass(frozen=True)
class FileEntry:
    """One file of a backup, relative to the backup folder."""

    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    """What one backup (of the data, or of the key store) holds."""

    name: str
    kind: Kind
    created: datetime
    backend: str
    method: str
    revision: str | None
    counts: dict[str, int]
    files: list[FileEntry] = field(default_factory=list)
    #: The newest audit entry in a data backup (sequence number, hash), ``None`` for keys.
    audit: tuple[int, str] | None = None

    def document(self) -> dict[str, Any]:
        """The manifest as JSON-ready data, without its MAC."""
        return {
            "kluis_backup": FORMAT,
            "name": self.name,
            "kind": self.kind,
            "created": self.created.isoformat(),
            "backend": self.backend,
            "method": self.method,
            "revision": self.revision,
            "counts": dict(sorted(self.counts.items())),
            "files": [{"path": f.path, "sha256": f.sha256, "size": f.size} for f in self.files],
            "audit": None if self.audit is None else {"seq": self.audit[0], "hash": self.audit[1]},
        }


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _mac(document: dict[str, Any], key: bytes) -> str:
    return hmac.new(key, _canonical(document), hashlib.sha256).hexdigest()


def write_private(path: Path, data: bytes) -> None:
    """Create ``path`` with mode 0600 (never over an existing file) and fsync it."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def write_manifest(path: Path, manifest: Manifest, mac_key: bytes) -> None:
    """Write the manifest with its MAC, mode 0600."""
    document = manifest.document()
    document["mac"] = _mac(document, mac_key)
    write_private(path, json.dumps(document, indent=2).encode("utf-8") + b"\n")


def read_manifest(path: Path, mac_key: bytes) -> Manifest:
    """The manifest in ``path``, refused unless its MAC matches under ``mac_key``."""
    try:
        document = json.loads(path.read_bytes())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise BackupInvalid(
            N_("{path} is not a readable backup manifest; the backup is refused"), path=str(path)
        ) from None
    if not isinstance(document, dict) or document.get("kluis_backup") != FORMAT:
        raise BackupInvalid(
            N_("{path} is not a Kluis backup manifest; the backup is refused"), path=str(path)
        )
    mac = document.pop("mac", None)
    if not isinstance(mac, str) or not hmac.compare_digest(mac, _mac(document, mac_key)):
        raise BackupInvalid(
            N_(
                "{path}: the manifest was altered or made with another key file; the backup is refused"
            ),
            path=str(path),
        )
    try:
        return Manifest(
            name=document["name"],
            kind=document["kind"],
            created=datetime.fromisoformat(document["created"]),
            backend=document["backend"],
            method=document["method"],
            revision=document["revision"],
            counts={str(k): int(v) for k, v in document["counts"].items()},
            files=[FileEntry(f["path"], f["sha256"], int(f["size"])) for f in document["files"]],
            audit=_audit(document.get("audit")),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise BackupInvalid(
            N_("{path}: the manifest is incomplete; the backup is refused"), path=str(path)
        ) from None


def _audit(value: Any) -> tuple[int, str] | None:
    if value is None:
        return None
    return int(value["seq"]), str(value["hash"])


def verify_files(root: Path, manifest: Manifest, where: Path) -> None:
    """Refuse the backup unless every file it lists is there with its size and SHA-256."""
    if not manifest.files:
        raise BackupInvalid(
            N_("{path}: the manifest lists no file; the backup is refused"), path=str(where)
        )
    for entry in manifest.files:
        path = root / entry.path
        if not path.is_file():
            raise BackupInvalid(
                N_("{path}: the file {file} is missing; the backup is refused"),
                path=str(where),
                file=entry.path,
            )
        if path.stat().st_size != entry.size or sha256_of(path) != entry.sha256:
            raise BackupInvalid(
                N_("{path}: the file {file} does not match its SHA-256; the backup is refused"),
                path=str(where),
                file=entry.path,
            )
