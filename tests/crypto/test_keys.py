"""The key file and the local key provider: private, never overwritten, precise when broken."""

from __future__ import annotations

import base64
import json
import os
import stat
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kluis.crypto import (
    CannotDecrypt,
    KeyFileExists,
    KeyFileInvalid,
    KeyMaterial,
    LocalKeyProvider,
    UnknownKek,
    generate_key_material,
    new_data_key,
    read_key_file,
    rotate_key_material,
    write_key_file,
)

DAY = date(2026, 11, 22)
SUBJECT = uuid.UUID("12345678-1234-5678-1234-567812345678").bytes


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _written(tmp_path: Path, material: KeyMaterial | None = None) -> Path:
    path = tmp_path / "kluis.key"
    write_key_file(path, material or generate_key_material(DAY))
    return path


def _rewrite(path: Path, change: dict[str, Any]) -> None:
    document = json.loads(path.read_text("utf-8"))
    document.update(change)
    path.write_text(json.dumps(document), encoding="utf-8")


def test_the_key_file_is_written_0600_and_reads_back(tmp_path: Path) -> None:
    material = generate_key_material(DAY)
    old_umask = os.umask(0)  # even a permissive umask gives a private file
    try:
        path = _written(tmp_path, material)
    finally:
        os.umask(old_umask)
    assert _mode(path) == 0o600
    assert read_key_file(path) == material
    kek = material.keks[material.current]
    assert kek.created == DAY
    assert kek.retired is None


def test_key_bytes_are_not_in_the_repr(tmp_path: Path) -> None:
    material = generate_key_material(DAY)
    shown = repr(material)
    for secret in (material.index_secret, material.keks[material.current].key):
        assert base64.b64encode(secret).decode() not in shown
        assert repr(secret) not in shown
    assert material.current in shown


def test_an_existing_key_file_is_never_overwritten(tmp_path: Path) -> None:
    path = _written(tmp_path)
    before = path.read_bytes()
    with pytest.raises(KeyFileExists) as caught:
        write_key_file(path, generate_key_material(DAY))
    assert str(path) in str(caught.value)
    assert path.read_bytes() == before


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660, 0o610])
def test_a_key_file_others_may_read_is_refused(tmp_path: Path, mode: int) -> None:
    path = _written(tmp_path)
    path.chmod(mode)
    with pytest.raises(KeyFileInvalid) as caught:
        read_key_file(path)
    message = str(caught.value)
    assert str(path) in message
    assert "chmod 600" in message


def test_a_missing_key_file_says_how_to_make_one(tmp_path: Path) -> None:
    path = tmp_path / "absent.key"
    with pytest.raises(KeyFileInvalid, match="kluis init") as caught:
        read_key_file(path)
    assert str(path) in str(caught.value)


def _b64(length: int) -> str:
    return base64.b64encode(b"k" * length).decode()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"index_secret": "not base64!"}, "'index_secret' is not base64"),
        ({"index_secret": _b64(16)}, "'index_secret' is not a 256-bit key"),
        ({"index_secret": 42}, "'index_secret' is not text"),
        ({"index_secret": None}, "'index_secret' is not text"),
        ({"keks": {}}, "'keks' is missing"),
        ({"keks": []}, "'keks' is missing"),
        ({"keks": {"kek-1": "x"}}, "'keks.kek-1' is malformed"),
        ({"keks": {"kek-1": {"key": _b64(31), "created": "2026-01-01"}}}, "'keks.kek-1.key'"),
        ({"keks": {"kek-1": {"key": _b64(32), "created": "yesterday"}}}, "'keks.kek-1.created'"),
        ({"keks": {"kek-1": {"key": _b64(32)}}}, "'keks.kek-1.created' is not a date"),
        (
            {"keks": {"kek-1": {"key": _b64(32), "created": "2026-01-01", "retired": 3}}},
            "'keks.kek-1.retired' is not a date",
        ),
        ({"current": "kek-unknown"}, "'current' names no key"),
        ({"current": None}, "'current' names no key"),
        ({"current": ["a", "list"]}, "'current' names no key"),
        ({"kluis_keys": 2}, "is not a Kluis key file"),
    ],
)
def test_a_malformed_key_file_names_the_file_and_the_field(
    tmp_path: Path, change: dict[str, Any], field: str
) -> None:
    path = _written(tmp_path)
    _rewrite(path, change)
    with pytest.raises(KeyFileInvalid) as caught:
        read_key_file(path)
    message = str(caught.value)
    assert str(path) in message
    assert field in message


@pytest.mark.parametrize("content", [b"", b"\xff\xfe", b"[1, 2]", b"{", b'"text"'])
def test_a_file_that_is_no_key_file_is_refused(tmp_path: Path, content: bytes) -> None:
    path = _written(tmp_path)
    path.write_bytes(content)
    with pytest.raises(KeyFileInvalid, match="is not a Kluis key file"):
        read_key_file(path)


def test_wrap_and_unwrap_bind_the_subject() -> None:
    provider = LocalKeyProvider(generate_key_material(DAY))
    data_key = new_data_key()
    kek_id, wrapped = provider.wrap(data_key, context=SUBJECT)
    assert kek_id == provider.current_kek
    assert data_key not in wrapped
    assert provider.unwrap(kek_id, wrapped, context=SUBJECT) == data_key
    # A wrapped key copied to another subject does not unwrap.
    with pytest.raises(CannotDecrypt):
        provider.unwrap(kek_id, wrapped, context=uuid.uuid4().bytes)
    # Each wrapping uses a fresh nonce.
    assert provider.wrap(data_key, context=SUBJECT)[1] != wrapped


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty"])
def test_an_altered_wrapped_key_is_refused(damage: str) -> None:
    provider = LocalKeyProvider(generate_key_material(DAY))
    kek_id, wrapped = provider.wrap(new_data_key(), context=SUBJECT)
    if damage == "flip":
        altered = bytearray(wrapped)
        altered[20] ^= 0x80
        wrapped = bytes(altered)
    elif damage == "truncate":
        wrapped = wrapped[:6]
    else:
        wrapped = b""
    with pytest.raises(CannotDecrypt):
        provider.unwrap(kek_id, wrapped, context=SUBJECT)


def test_a_key_wrapped_by_an_unknown_kek_is_refused_by_its_id() -> None:
    provider = LocalKeyProvider(generate_key_material(DAY))
    other = LocalKeyProvider(generate_key_material(DAY))
    kek_id, wrapped = other.wrap(new_data_key(), context=SUBJECT)
    assert not provider.holds(kek_id)
    with pytest.raises(UnknownKek) as caught:
        provider.unwrap(kek_id, wrapped, context=SUBJECT)
    assert kek_id in str(caught.value)


def test_rotation_keeps_the_old_kek_to_unwrap(tmp_path: Path) -> None:
    material = generate_key_material(DAY)
    old = LocalKeyProvider(material)
    data_key = new_data_key()
    old_id, wrapped = old.wrap(data_key, context=SUBJECT)
    later = date(2027, 1, 5)
    rotated = rotate_key_material(material, later)
    assert rotated.current != old_id
    assert rotated.keks[old_id].retired == later
    assert rotated.keks[old_id].key == material.keks[old_id].key
    assert rotated.keks[rotated.current].retired is None
    assert rotated.index_secret == material.index_secret  # blind indexes stay valid
    path = _written(tmp_path, material)
    write_key_file(path, rotated, replace_existing=True)
    assert _mode(path) == 0o600
    provider = LocalKeyProvider(read_key_file(path))
    assert provider.current_kek == rotated.current
    assert provider.unwrap(old_id, wrapped, context=SUBJECT) == data_key
    new_id, rewrapped = provider.wrap(data_key, context=SUBJECT)
    assert new_id == rotated.current
    assert provider.unwrap(new_id, rewrapped, context=SUBJECT) == data_key


def test_rotation_leaves_no_group_readable_key_file_even_after_a_crash(tmp_path: Path) -> None:
    """A ``.new`` file left by an interrupted rotation must not give its mode to the key file."""
    material = generate_key_material(DAY)
    path = _written(tmp_path, material)
    leftover = path.with_name(path.name + ".new")
    leftover.write_bytes(b"half")
    leftover.chmod(0o644)
    write_key_file(path, rotate_key_material(material, DAY), replace_existing=True)
    assert _mode(path) == 0o600
    assert not leftover.exists()
    assert read_key_file(path).current != material.current


def test_generated_material_is_random() -> None:
    one, two = generate_key_material(DAY), generate_key_material(DAY)
    assert one.current != two.current
    assert one.index_secret != two.index_secret
    assert one.keks[one.current].key != two.keks[two.current].key
    assert one.current.startswith("kek-20261122-")
