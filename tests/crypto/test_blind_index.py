"""Blind indexes: HMAC-SHA-256 under a key derived per kind of identifier."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from kluis.crypto import BlindIndexer

SECRET = secrets.token_bytes(32)


def test_the_same_value_gives_the_same_index_every_time() -> None:
    first = BlindIndexer(SECRET).digest("email", "an.peeters@example.be")
    again = BlindIndexer(SECRET).digest("email", "an.peeters@example.be")
    assert first == again
    assert len(first) == 32


def test_each_kind_has_its_own_key_and_index() -> None:
    indexer = BlindIndexer(SECRET)
    kinds = ["email", "phone", "national_number", "category:user.name", "row"]
    assert len({indexer.key(kind) for kind in kinds}) == len(kinds)
    value = "+32470123456"
    assert len({indexer.digest(kind, value) for kind in kinds}) == len(kinds)


def test_another_secret_gives_other_indexes() -> None:
    value = "an.peeters@example.be"
    assert BlindIndexer(SECRET).digest("email", value) != BlindIndexer(
        secrets.token_bytes(32)
    ).digest("email", value)


def test_different_values_give_different_indexes() -> None:
    indexer = BlindIndexer(SECRET)
    assert indexer.digest("email", "a@example.be") != indexer.digest("email", "b@example.be")


def test_the_index_is_keyed_not_a_plain_hash() -> None:
    """Without the secret, a guessed value cannot be tested against an index."""
    indexer = BlindIndexer(SECRET)
    value = "an.peeters@example.be"
    digest = indexer.digest("email", value)
    assert digest != hashlib.sha256(value.encode()).digest()
    assert digest != hmac.new(SECRET, value.encode(), hashlib.sha256).digest()
    assert digest == hmac.new(indexer.key("email"), value.encode(), hashlib.sha256).digest()


def test_derived_keys_are_stable_across_instances() -> None:
    assert BlindIndexer(SECRET).key("phone") == BlindIndexer(SECRET).key("phone")
    assert BlindIndexer(SECRET).key("phone") != SECRET
