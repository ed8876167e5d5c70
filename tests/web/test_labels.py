"""Words instead of codes: the label tables, and pages that show them in the visitor's
language."""

from __future__ import annotations

from typing import Any

import pytest

from kluis.subject_requests import Kind
from kluis.web.labels import TABLES, choices, label
from tests.conftest import csrf_of, sign_in


def test_a_code_gets_its_word_and_an_unknown_one_stays_as_it_is() -> None:
    assert label("en", "request_kind", Kind.access) == "Access"
    assert label("en", "retention_action", "anonymize") == "anonymise"
    assert label("en", "channel", "carrier_pigeon") == "carrier_pigeon"
    with pytest.raises(KeyError):
        label("en", "no_such_table", "access")


def test_every_request_kind_has_a_word() -> None:
    assert set(TABLES["request_kind"]) == {kind.value for kind in Kind}
    assert ("withdrawal", "Withdrawal of consent") in choices("en", "request_kind")


def _file(client: Any) -> None:
    data = {"kind": "access", "channel": "email", "language": "en",
            "email": "an@example.be", "csrf_token": csrf_of(client)}  # fmt: skip
    assert client.post("/requests/new", data=data).status_code == 303


@pytest.mark.parametrize(
    ("lang", "kind", "channel", "status"),
    [("en", "Access", "E-mail", "Open"), ("nl", "Inzage", "E-mail", "Open"),
     ("fr", "Accès", "E-mail", "Ouverte")],
)  # fmt: skip
def test_the_requests_list_shows_words_in_the_visitors_language(
    client: Any, lang: str, kind: str, channel: str, status: str
) -> None:
    sign_in(client, "dora")
    _file(client)
    client.cookies.set("kluis_lang", lang)
    listed = client.get("/requests?status=all").text
    assert f"<td>{kind}</td><td>{channel}</td>" in listed
    assert f"<td>{status}</td>" in listed
    assert "<td>access</td>" not in listed and "<td>email</td>" not in listed
    assert f'<option value="access">{kind}</option>' in listed
    detail = client.get("/requests/1").text
    assert f"<dd>{kind}</dd>" in detail
    assert "<dd>open" not in detail
