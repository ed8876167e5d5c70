"""``GET /api/docs``: the API's reference, rendered on the server from its OpenAPI document
(no script: the content security policy allows none). Public, as the document is."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment

from kluis.api.common import api_language
from kluis.server.templates import page_environment

router = APIRouter(include_in_schema=False)

_METHODS: Final = ("get", "post", "put", "patch", "delete")
_REF: Final = "#/components/schemas/"


@dataclass(frozen=True)
class Field:
    """A parameter or a field of a body: its name, where it goes, its type, whether it
    must be given, and what it is."""

    name: str
    type: str
    required: bool
    description: str = ""
    where: str = ""


@dataclass(frozen=True)
class Answer:
    """A response an endpoint documents."""

    status: str
    description: str
    type: str


@dataclass(frozen=True)
class Endpoint:
    """One operation of the API, as the reference page shows it."""

    method: str
    path: str
    summary: str
    description: str
    anchor: str
    parameters: list[Field] = field(default_factory=list)
    body: str | None = None
    body_fields: list[Field] = field(default_factory=list)
    responses: list[Answer] = field(default_factory=list)


@dataclass(frozen=True)
class Section:
    """The endpoints of one tag."""

    name: str
    endpoints: list[Endpoint]


class _Schemas:
    """Names the types of a schema of the document, following its references."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.components: Mapping[str, Any] = document.get("components", {}).get("schemas", {})

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        """The schema a reference points to (or ``schema`` itself)."""
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF):
            found: Mapping[str, Any] = self.components.get(ref.removeprefix(_REF), {})
            return found
        return schema

    def type_of(self, schema: Mapping[str, Any]) -> str:  # noqa: PLR0911 - one case per form
        """A short name of a schema's type: ``string (date)``, ``list of Match``, ``A or B``."""
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return ref.removeprefix(_REF)
        for combined in ("anyOf", "oneOf"):
            if combined in schema:
                parts = [self.type_of(part) for part in schema[combined]]
                return " or ".join(dict.fromkeys(parts))
        if "enum" in schema:
            return "one of: " + ", ".join(str(value) for value in schema["enum"])
        if "const" in schema:
            return f"“{schema['const']}”"
        kind = schema.get("type")
        if kind == "array":
            return "list of " + self.type_of(schema.get("items", {}))
        if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
            return "map of " + self.type_of(schema["additionalProperties"])
        if kind is None:
            return "any"
        return f"{kind} ({schema['format']})" if "format" in schema else str(kind)

    def fields(self, schema: Mapping[str, Any]) -> list[Field]:
        """The properties of an object schema, each with its type."""
        target = self.resolve(schema)
        required = set(target.get("required", ()))
        return [
            Field(
                name=name,
                type=self.type_of(item),
                required=name in required,
                description=str(item.get("description", "")),
            )
            for name, item in target.get("properties", {}).items()
        ]


def _endpoint(schemas: _Schemas, method: str, path: str, operation: Mapping[str, Any]) -> Endpoint:
    parameters = [
        Field(
            name=str(item["name"]),
            type=schemas.type_of(item.get("schema", {})),
            required=bool(item.get("required", False)),
            description=str(
                item.get("description") or item.get("schema", {}).get("description", "")
            ),
            where=str(item.get("in", "")),
        )
        for item in operation.get("parameters", [])
    ]
    body_type, body_fields = None, []
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        schema = content["application/json"].get("schema", {})
        body_type, body_fields = schemas.type_of(schema), schemas.fields(schema)
    responses = []
    for status, answer in sorted(operation.get("responses", {}).items()):
        media = answer.get("content", {}).get("application/json", {})
        responses.append(
            Answer(
                status=str(status),
                description=str(answer.get("description", "")),
                type=schemas.type_of(media["schema"]) if "schema" in media else "",
            )
        )
    anchor = re.sub(r"[^a-z0-9]+", "-", f"{method} {path}".lower()).strip("-")
    return Endpoint(
        method=method.upper(),
        path=path,
        summary=str(operation.get("summary", "")),
        description=str(operation.get("description", "")),
        anchor=anchor,
        parameters=parameters,
        body=body_type,
        body_fields=body_fields,
        responses=responses,
    )


def reference(document: Mapping[str, Any]) -> tuple[list[Section], dict[str, list[Field]]]:
    """The endpoints of an OpenAPI document grouped by tag (in the order tags first
    appear), and the fields of every schema the document names."""
    schemas = _Schemas(document)
    sections: dict[str, list[Endpoint]] = {}
    for path, item in document.get("paths", {}).items():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            tag = (operation.get("tags") or ["api"])[0]
            sections.setdefault(str(tag), []).append(_endpoint(schemas, method, path, operation))
    models = {
        name: schemas.fields(schema)
        for name, schema in sorted(schemas.components.items())
        if schema.get("properties")
    }
    return [Section(name, endpoints) for name, endpoints in sections.items()], models


@cache
def _environment(lang: str) -> Environment:
    return page_environment("kluis.api", lang)


@router.get("/api/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    """The API reference: every endpoint with its method, path, summary, parameters,
    request body and responses, and every schema's fields."""
    document = request.app.openapi()
    sections, models = reference(document)
    lang = api_language(request)
    body = (
        _environment(lang)
        .get_template("docs.html")
        .render(
            lang=lang,
            title=document.get("info", {}).get("title", "Kluis API"),
            version=document.get("info", {}).get("version", ""),
            sections=sections,
            models=models,
        )
    )
    return HTMLResponse(body)
