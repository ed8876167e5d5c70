"""Sealing and the content digest: values open only with their key, record and field; the
digest stays the one stored records were written with."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import uuid
from collections.abc import Mapping
from datetime import date

import pytest

from kluis.crypto import CannotDecrypt, Cipher
from kluis.vault.sealing import content_digest, open_values, seal_fresh

KEY = b"k" * 32


def _reference_digest(
    key: bytes,
    activity: str,
    values: Mapping[str, str],
    events: Mapping[str, date | None],
    source: str | None,
) -> bytes:
    """The digest as stored records were written with it: json.dumps with sorted keys."""
    canonical = json.dumps(
        {
            "activity": activity,
            "values": dict(values),
            "events": {k: v.isoformat() for k, v in events.items() if v is not None},
            "source": source,
        },
        sort_keys=True,
    ).encode("utf-8")
    return hmac.digest(key, canonical, hashlib.sha256)


def test_the_digest_is_the_one_records_were_written_with() -> None:
    rnd = random.Random(3)
    alphabet = 'aZ09 "\\/\n\t\u00e9\u00eb\u2028\U0001f600<>&'
    for _ in range(2000):
        values = {
            "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 6))): "".join(
                rnd.choice(alphabet) for _ in range(rnd.randint(0, 20))
            )
            for _ in range(rnd.randint(0, 4))
        }
        events: dict[str, date | None] = {
            name: rnd.choice([None, date(2026, rnd.randint(1, 12), rnd.randint(1, 28))])
            for name in rnd.sample(["collected", "selection_end", "record_date"], rnd.randint(0, 3))
        }
        source = rnd.choice([None, "data_subject", 'a "b"'])
        activity = rnd.choice(["candidates", "payroll", "zoë"])
        assert content_digest(KEY, activity, values, events, source) == _reference_digest(
            KEY, activity, values, events, source
        )


def test_a_fresh_seal_opens_with_its_key_record_and_field_only() -> None:
    record = uuid.uuid4()
    values = {"name": "An Peeters", "email": "an@example.be", "note": "déjà ✓"}
    key, data = seal_fresh(record.bytes, values)
    stored = json.loads(data)
    assert open_values(Cipher(key), record, stored) == values
    assert "An Peeters" not in data
    with pytest.raises(CannotDecrypt):
        open_values(Cipher(key), uuid.uuid4(), stored)
    with pytest.raises(CannotDecrypt):
        open_values(Cipher(key), record, {"email": stored["name"]})
    with pytest.raises(CannotDecrypt):
        open_values(Cipher(b"x" * 32), record, stored)


def test_every_seal_has_a_key_and_nonces_of_its_own() -> None:
    record = uuid.uuid4().bytes
    seals = [seal_fresh(record, {"a": "same", "b": "same"}) for _ in range(50)]
    assert len({key for key, _data in seals}) == 50
    nonces = [
        sealed[:16] for _key, data in seals for sealed in json.loads(data).values()
    ]  # base64 of the 12-byte nonce leads each value
    assert len(set(nonces)) == 100
