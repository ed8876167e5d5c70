"""AES-256-GCM values: sealed with a fresh nonce each, bound to where they belong."""

from __future__ import annotations

import pytest

from kluis.crypto import NONCE_BYTES, CannotDecrypt, Cipher, new_data_key

WHERE = b"record-1|email"


def test_seal_and_open_roundtrip() -> None:
    cipher = Cipher(new_data_key())
    sealed = cipher.seal(b"an.peeters@example.be", WHERE)
    assert b"peeters" not in sealed
    assert cipher.open(sealed, WHERE) == b"an.peeters@example.be"
    assert cipher.open(cipher.seal(b"", WHERE), WHERE) == b""


def test_each_value_gets_a_fresh_nonce() -> None:
    cipher = Cipher(new_data_key())
    sealed = [cipher.seal(b"the same value", WHERE) for _ in range(50)]
    assert len({value[:NONCE_BYTES] for value in sealed}) == 50
    assert len(set(sealed)) == 50
    # nonce, the ciphertext of the same length as the value, and a 16-byte tag
    assert {len(value) for value in sealed} == {NONCE_BYTES + len(b"the same value") + 16}


def test_a_value_moved_to_another_record_or_field_does_not_open() -> None:
    cipher = Cipher(new_data_key())
    sealed = cipher.seal(b"0470 12 34 56", WHERE)
    for elsewhere in (b"record-2|email", b"record-1|phone", b""):
        with pytest.raises(CannotDecrypt):
            cipher.open(sealed, elsewhere)


@pytest.mark.parametrize("position", [0, NONCE_BYTES - 1, NONCE_BYTES, -1])
def test_an_altered_byte_is_refused(position: int) -> None:
    cipher = Cipher(new_data_key())
    sealed = bytearray(cipher.seal(b"value", WHERE))
    sealed[position] ^= 0x01
    with pytest.raises(CannotDecrypt, match="wrong key or altered bytes"):
        cipher.open(bytes(sealed), WHERE)


@pytest.mark.parametrize("length", [0, 5, NONCE_BYTES, NONCE_BYTES + 15])
def test_truncated_bytes_are_refused(length: int) -> None:
    cipher = Cipher(new_data_key())
    sealed = cipher.seal(b"value", WHERE)
    with pytest.raises(CannotDecrypt):
        cipher.open(sealed[:length], WHERE)


def test_another_key_cannot_open() -> None:
    sealed = Cipher(new_data_key()).seal(b"value", WHERE)
    with pytest.raises(CannotDecrypt):
        Cipher(new_data_key()).open(sealed, WHERE)


def test_data_keys_are_random_256_bit_keys() -> None:
    keys = {new_data_key() for _ in range(20)}
    assert len(keys) == 20
    assert {len(key) for key in keys} == {32}


@pytest.mark.parametrize("length", [0, 16, 24, 31, 33])
def test_a_key_of_another_length_is_refused(length: int) -> None:
    with pytest.raises(ValueError, match="32-byte key"):
        Cipher(bytes(length))
