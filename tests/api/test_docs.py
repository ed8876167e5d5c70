"""``/api/docs``: the reference page rendered on the server from the OpenAPI document, and
the document itself (every operation documents its error answers)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import markupsafe

from kluis.api.docs import reference

_OPERATIONS = ("get", "post", "patch", "delete")


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, item[method])
        for path, item in document["paths"].items()
        for method in _OPERATIONS
        if method in item
    ]


def test_every_operation_documents_its_error_object(client: Any) -> None:
    document = client.get("/api/openapi.json").json()
    operations = [op for op in _operations(document) if op[1].startswith("/api/v1/")]
    assert len(operations) >= 25
    for method, path, operation in operations:
        for status in ("401", "403", "422"):
            schema = operation["responses"][status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, (method, path)
        assert operation.get("summary"), (method, path)
    assert "/api/docs" not in document["paths"]


class _Headings(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.levels: list[int] = []
        self.scripts = 0
        self.headers_without_scope = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if re.fullmatch(r"h[1-6]", tag):
            self.levels.append(int(tag[1]))
        if tag == "script":
            self.scripts += 1
        if tag == "th" and "scope" not in dict(attrs):
            self.headers_without_scope += 1


def test_the_reference_page_is_public_and_lists_every_endpoint(client: Any) -> None:
    answer = client.get("/api/docs")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in answer.headers["content-security-policy"]
    page = answer.text
    assert '<link rel="stylesheet" href="/static/kluis.css">' in page
    document = client.get("/api/openapi.json").json()
    for method, path, operation in _operations(document):
        assert f"<code>{method.upper()} {path}</code>" in page, (method, path)
        assert str(markupsafe.escape(operation["summary"])) in page
    # Parameters, request body fields and responses are spelled out.
    assert "<code>per_page</code>" in page
    assert "Request body" in page and "<code>RecordCreate</code>" in page
    assert "<code>subject_id</code>" in page
    assert "ErrorResponse" in page
    assert "Authorization: Bearer TOKEN" in page
    parsed = _Headings()
    parsed.feed(page)
    assert parsed.scripts == 0
    assert parsed.headers_without_scope == 0
    assert parsed.levels[0] == 1
    assert all(b - a <= 1 for a, b in zip(parsed.levels, parsed.levels[1:], strict=False))


def test_the_reference_speaks_the_asked_language(client: Any) -> None:
    page = client.get("/api/docs", headers={"Accept-Language": "fr-BE,fr;q=0.9"}).text
    assert '<html lang="fr">' in page


def test_reference_names_types_of_every_form() -> None:
    document = {
        "paths": {
            "/x": {
                "post": {
                    "tags": ["x"],
                    "summary": "X",
                    "parameters": [
                        {"name": "n", "in": "query", "schema": {"type": "integer"}},
                    ],
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/In"}}
                        }
                    },
                    "responses": {"200": {"description": "OK"}},
                }
            }
        },
        "components": {
            "schemas": {
                "In": {
                    "properties": {
                        "a": {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]},
                        "b": {"type": "array", "items": {"$ref": "#/components/schemas/In"}},
                        "c": {"enum": ["x", "y"]},
                        "d": {"type": "object", "additionalProperties": {"type": "string"}},
                    },
                    "required": ["b"],
                }
            }
        },
    }
    sections, models = reference(document)
    (endpoint,) = sections[0].endpoints
    assert (endpoint.method, endpoint.body, endpoint.anchor) == ("POST", "In", "post-x")
    assert endpoint.parameters[0].type == "integer"
    types = {field.name: (field.type, field.required) for field in endpoint.body_fields}
    assert types == {
        "a": ("string (date) or null", False),
        "b": ("list of In", True),
        "c": ("one of: x, y", False),
        "d": ("map of string", False),
    }
    assert list(models) == ["In"]
