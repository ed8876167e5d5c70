"""Key-encryption keys and the index secret: the key file, and the provider interface through
which the vault wraps and unwraps data keys (a KMS can implement the same interface).

The key file is JSON, written with mode 0600 and never overwritten by ``kluis init``. It holds
the current KEK, KEKs retired by rotation (kept until no backup can need them), and the
secret from which blind-index keys are derived. No function here prints or logs key bytes.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
import stat
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Final, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kluis.crypto.aead import KEY_BYTES, NONCE_BYTES
from kluis.crypto.errors import CannotDecrypt, KeyFileExists, KeyFileInvalid, UnknownKek

FORMAT: Final = 1
_WRAP_CONTEXT: Final = b"kluis-data-key:"


@dataclass(frozen=True)
class Kek:
    """One key-encryption key; ``retired`` is the day rotation replaced it."""

    key: bytes = field(repr=False)
    created: date
    retired: date | None = None


@dataclass(frozen=True)
class KeyMaterial:
    """Everything the key file holds."""

    current: str
    keks: dict[str, Kek]
    index_secret: bytes = field(repr=False)


def _kek_id(today: date) -> str:
    return f"kek-{today:%Y%m%d}-{secrets.token_hex(3)}"


def generate_key_material(today: date) -> KeyMaterial:
    """New random key material: one KEK and one index secret, 256 bits each."""
    kek_id = _kek_id(today)
    return KeyMaterial(
        current=kek_id,
        keks={kek_id: Kek(key=secrets.token_bytes(KEY_BYTES), created=today)},
        index_secret=secrets.token_bytes(KEY_BYTES),
    )


def rotate_key_material(material: KeyMaterial, today: date) -> KeyMaterial:
    """A new current KEK; the previous one stays, marked retired, to unwrap until rewrapped."""
    kek_id = _kek_id(today)
    keks = {
        old_id: (replace(kek, retired=today) if old_id == material.current else kek)
        for old_id, kek in material.keks.items()
    }
    keks[kek_id] = Kek(key=secrets.token_bytes(KEY_BYTES), created=today)
    return replace(material, current=kek_id, keks=keks)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _dump(material: KeyMaterial) -> bytes:
    document = {
        "kluis_keys": FORMAT,
        "current": material.current,
        "keks": {
            kek_id: {
                "key": _b64(kek.key),
                "created": kek.created.isoformat(),
                "retired": kek.retired.isoformat() if kek.retired else None,
            }
            for kek_id, kek in material.keks.items()
        },
        "index_secret": _b64(material.index_secret),
    }
    return json.dumps(document, indent=2).encode("utf-8") + b"\n"


def write_key_file(path: Path, material: KeyMaterial, *, replace_existing: bool = False) -> None:
    """Write ``material`` to ``path`` with mode 0600.

    A new file is created exclusively (:class:`KeyFileExists` if one is there). With
    ``replace_existing`` (rotation), a temporary file is written and renamed over the old one,
    so a crash leaves either the old file or the new one, never half of either.
    """
    data = _dump(material)
    if not replace_existing:
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise KeyFileExists(
                "{path} exists already; a key file is never overwritten", path=str(path)
            ) from None
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        return
    temporary = path.with_name(path.name + ".new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    # A file left by an interrupted rotation keeps its own mode under O_CREAT: make it private.
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)


def _bytes(value: Any, where: str, path: Path) -> bytes:
    if not isinstance(value, str):
        raise KeyFileInvalid("{path}: '{field}' is not text", path=str(path), field=where)
    try:
        decoded = base64.b64decode(value, validate=True)
    except binascii.Error:
        raise KeyFileInvalid(
            "{path}: '{field}' is not base64", path=str(path), field=where
        ) from None
    if len(decoded) != KEY_BYTES:
        raise KeyFileInvalid("{path}: '{field}' is not a 256-bit key", path=str(path), field=where)
    return decoded


def _day(value: Any, where: str, path: Path) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise KeyFileInvalid(
            "{path}: '{field}' is not a date", path=str(path), field=where
        ) from None


def read_key_file(path: Path) -> KeyMaterial:
    """The key material in ``path``; refuses a file that others than its owner may read."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise KeyFileInvalid(
            "no key file at {path}; run 'kluis init' or set KLUIS_KEY_FILE", path=str(path)
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileInvalid(
            "{path} may be read by others; make it private with: chmod 600 {path}",
            path=str(path),
        )
    try:
        document = json.loads(path.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise KeyFileInvalid("{path} is not a Kluis key file", path=str(path)) from None
    if not isinstance(document, dict) or document.get("kluis_keys") != FORMAT:
        raise KeyFileInvalid("{path} is not a Kluis key file", path=str(path))
    raw_keks = document.get("keks")
    if not isinstance(raw_keks, dict) or not raw_keks:
        raise KeyFileInvalid("{path}: 'keks' is missing", path=str(path))
    keks: dict[str, Kek] = {}
    for kek_id, entry in raw_keks.items():
        if not isinstance(entry, dict):
            raise KeyFileInvalid("{path}: 'keks.{kek}' is malformed", path=str(path), kek=kek_id)
        retired = entry.get("retired")
        keks[kek_id] = Kek(
            key=_bytes(entry.get("key"), f"keks.{kek_id}.key", path),
            created=_day(entry.get("created"), f"keks.{kek_id}.created", path),
            retired=None if retired is None else _day(retired, f"keks.{kek_id}.retired", path),
        )
    current = document.get("current")
    if not isinstance(current, str) or current not in keks:
        raise KeyFileInvalid("{path}: 'current' names no key in 'keks'", path=str(path))
    return KeyMaterial(
        current=current,
        keks=keks,
        index_secret=_bytes(document.get("index_secret"), "index_secret", path),
    )


class KeyProvider(Protocol):
    """Wraps and unwraps data keys under key-encryption keys it keeps to itself."""

    @property
    def current_kek(self) -> str:
        """The id of the KEK new data keys are wrapped with."""
        ...

    def wrap(self, data_key: bytes, *, context: bytes) -> tuple[str, bytes]:
        """``(kek id, wrapped key)``; ``context`` (the subject id) is bound to the wrapping."""
        ...

    def unwrap(self, kek_id: str, wrapped: bytes, *, context: bytes) -> bytes:
        """The data key; :class:`UnknownKek` or :class:`CannotDecrypt` when it cannot be had."""
        ...

    def index_secret(self) -> bytes:
        """The secret blind-index keys are derived from."""
        ...


class LocalKeyProvider:
    """A :class:`KeyProvider` over key material held in this process (the key file)."""

    def __init__(self, material: KeyMaterial) -> None:
        self._material = material
        self._ciphers = {kek_id: AESGCM(kek.key) for kek_id, kek in material.keks.items()}

    @property
    def current_kek(self) -> str:
        """The id of the KEK new data keys are wrapped with."""
        return self._material.current

    def wrap(self, data_key: bytes, *, context: bytes) -> tuple[str, bytes]:
        """Wrap ``data_key`` with the current KEK (AES-256-GCM, random nonce)."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._ciphers[self.current_kek].encrypt(nonce, data_key, _WRAP_CONTEXT + context)
        return self.current_kek, nonce + sealed

    def unwrap(self, kek_id: str, wrapped: bytes, *, context: bytes) -> bytes:
        """Unwrap a data key wrapped by ``kek_id``."""
        cipher = self._ciphers.get(kek_id)
        if cipher is None:
            raise UnknownKek(
                "a data key is wrapped by key '{kek}', which the key file does not hold", kek=kek_id
            )
        try:
            return cipher.decrypt(
                wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _WRAP_CONTEXT + context
            )
        except (InvalidTag, ValueError):
            raise CannotDecrypt(
                "a data key could not be unwrapped: wrong key or altered bytes"
            ) from None

    def index_secret(self) -> bytes:
        """The blind-index secret of the key file."""
        return self._material.index_secret

    def holds(self, kek_id: str) -> bool:
        """Whether this provider can unwrap keys wrapped by ``kek_id``."""
        return kek_id in self._ciphers
