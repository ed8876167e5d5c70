"""Loading a register from one YAML file or a folder of YAML files.

Every problem is reported at once, each with file, line and column, a stable code and a
message in the reader's language; unknown keys and ids come with a "did you mean".
Messages name keys, ids and kinds of value, never a person's data.
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from kluis.core.text import did_you_mean
from kluis.i18n import N_, LocalText
from kluis.register import identifiers
from kluis.register.checks.base import Finding, Severity
from kluis.register.errors import RegisterInvalid
from kluis.register.schema import Register
from kluis.register.source import Location, Path_, SourceMap
from kluis.register.taxonomy import Taxonomy, builtin_taxonomy
from kluis.register.yaml_source import YamlDocument, YamlProblem, read_yaml

#: Roles every organisation has without declaring them.
BUILTIN_ROLES: Final = ("dpo", "admin")
#: Top-level sections that are lists and may be spread over several files.
_LIST_SECTIONS: Final = (
    "roles", "systems", "processors", "third_parties", "categories", "data_subjects",
    "consent_purposes", "security_measures", "activities",
)  # fmt: skip
_FORMAT: Final = "Kluis register format"

# Loader findings: code, the rule, and the message (an English msgid of domain "loader").
MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "KL001": (_FORMAT, N_("YAML syntax error: {detail}")),
    "KL002": (_FORMAT, N_("The key '{key}' is written twice in the same mapping (first at line {first})")),
    "KL003": (_FORMAT, N_("Unknown key '{key}'")),
    "KL004": (_FORMAT, N_("The required key '{key}' is missing")),
    "KL005": (_FORMAT, N_("'{field}' must be {expected}, not {got}")),
    "KL006": (_FORMAT, N_("'{field}' must be one of: {expected}")),
    "KL007": (_FORMAT, N_("'{value}' is not an ISO 8601 duration (write P7Y, P2Y6M, P4W or P30D)")),
    "KL008": (_FORMAT, N_("'{field}' is not a valid date (write an ISO date such as 2024-05-01)")),
    "KL009": (_FORMAT, N_("'{value}' is not an ISO 3166-1 alpha-2 country code")),
    "KL010": (_FORMAT, N_("'{value}' is not a language Kluis writes documents in (nl, en, fr)")),
    "KL011": (_FORMAT, N_("'{value}' is not a valid id (lower-case letters, digits, '-' and '_')")),
    "KL012": (_FORMAT, N_("The id '{id}' is used twice in '{section}' (first at line {first})")),
    "KL013": (_FORMAT, N_("'{id}' is not a known {kind}")),
    "KL014": (_FORMAT, N_("'{field}' is not a valid e-mail address")),
    "KL015": (_FORMAT, N_("The enterprise number is not a valid {kind}")),
    "KL016": (_FORMAT, N_("'{value}' is not a day of the year written MM-DD (such as 12-31)")),
    "KL017": (_FORMAT, N_("'{field}' must be a text or a mapping of languages to texts, not empty")),
    "KL018": (_FORMAT, N_("This version of Kluis reads register format 1; the file says '{value}'")),
    "KL019": (_FORMAT, N_("No register found: {detail}")),
    "KL020": (_FORMAT, N_("'{key}' is written in more than one file (first in {first})")),
    "KL021": (_FORMAT, N_("'{field}' needs at least {min} entry")),
    "KL022": (_FORMAT, N_("'{field}' must be {constraint}")),
    "KL023": (_FORMAT, N_("A register file must hold a mapping of sections (organisation, activities, ...)")),
    "KL024": (_FORMAT, N_("Only one YAML document per file is read; the rest is ignored")),
    "KL025": (_FORMAT, N_("The file is empty")),
    "KL026": (_FORMAT, N_("A key must be a plain word")),
    "KL027": (_FORMAT, N_("'{id}' is a processor, not a system: define a system under 'systems' with 'processor: {id}' and name that system here")),
}  # fmt: skip

_HINT: Final = N_("did you mean '{suggestion}'?")
_KINDS: Final[dict[str, str]] = {
    "str": N_("a text"),
    "int": N_("a whole number"),
    "float": N_("a number"),
    "bool": N_("true or false"),
    "list": N_("a list"),
    "dict": N_("a mapping"),
    "date": N_("a date"),
    "NoneType": N_("empty"),
}
_REFERENCE_KINDS: Final[dict[str, str]] = {
    "category": N_("data category"),
    "subject": N_("data subject type"),
    "role": N_("role"),
    "system": N_("system"),
    "processor": N_("processor"),
    "recipient": N_("processor or third party"),
    "consent": N_("consent purpose"),
    "measure": N_("security measure"),
    "activity": N_("activity"),
    "field": N_("field of this activity"),
}


@dataclass(frozen=True)
class LoadedRegister:
    """A register that loaded, where its values were written, and the taxonomy it sees."""

    register: Register
    source: SourceMap
    taxonomy: Taxonomy
    path: Path


def applied_register(register: Register, taxonomy: Taxonomy) -> LoadedRegister:
    """A register applied to the vault (stored as data, so with no source file: its
    findings and documents name paths in the register, not lines of a file)."""
    return LoadedRegister(register, SourceMap(), taxonomy, Path("register"))


def load_register(path: str | Path) -> LoadedRegister:
    """Load the register at ``path``; raise :class:`RegisterInvalid` listing every error."""
    loaded, findings = read_register(path)
    if loaded is None:
        raise RegisterInvalid(findings)
    return loaded


def read_register(path: str | Path) -> tuple[LoadedRegister | None, list[Finding]]:
    """Load the register at ``path``, returning it (or ``None``) and every problem found."""
    root = Path(path)
    findings: list[Finding] = []
    documents = _read_documents(root, findings)
    if not documents:
        return None, _sorted(findings)
    data, source = _merge(documents, findings)
    register = _validate(data, source, findings)
    findings.extend(_references(data, source))
    if register is not None:
        findings.extend(_enterprise_number(register, source))
    if register is None or any(f.severity is Severity.error for f in findings):
        return None, _sorted(findings)
    taxonomy = builtin_taxonomy().extend(register)
    return LoadedRegister(register, source, taxonomy, root), _sorted(findings)


# --- reading files ------------------------------------------------------------------------


def _finding(code: str, location: Location | None, path: Path_ = (), **params: object) -> Finding:
    article, message = MESSAGES[code]
    return Finding(
        code, Severity.error, article, LocalText("loader", message, params), location, path
    )


def _with_hint(
    code: str, location: Location | None, path: Path_, suggestion: str | None, **params: object
) -> Finding:
    finding = _finding(code, location, path, **params)
    if suggestion is None:
        return finding
    hint = LocalText("loader", _HINT, {"suggestion": suggestion})
    combined = LocalText("loader", "{message}; {hint}", {"message": finding.text, "hint": hint})
    return Finding(finding.code, finding.severity, finding.article, combined, location, path)


def _register_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(
        p
        for p in root.rglob("*")
        if p.suffix in (".yaml", ".yml")
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def _read_documents(root: Path, findings: list[Finding]) -> list[YamlDocument]:
    if not root.exists():
        findings.append(
            _finding("KL019", Location(str(root), 1, 1), detail=N_("no such file or folder"))
        )
        return []
    files = _register_files(root)
    if not files:
        findings.append(
            _finding("KL019", Location(str(root), 1, 1), detail=N_("no .yaml files in the folder"))
        )
        return []
    documents = []
    for file in files:
        try:
            text = file.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            findings.append(
                _finding(
                    "KL001", Location(str(file), 1, 1), detail=N_("not readable as UTF-8 text")
                )
            )
            continue
        document, problems = read_yaml(text, str(file))
        findings.extend(_yaml_problem(problem) for problem in problems)
        if document is not None:
            documents.append(document)
    return documents


def _yaml_problem(problem: YamlProblem) -> Finding:
    at = problem.location
    match problem.kind:
        case "syntax":
            return _finding("KL001", at, detail=problem.detail)
        case "duplicate_key":
            first = problem.first.line if problem.first else "?"
            return _finding("KL002", at, key=problem.detail, first=first)
        case "not_a_mapping":
            return _finding("KL023", at)
        case "multiple_documents":
            return _finding("KL024", at)
        case "empty":
            return _finding("KL025", at)
        case _:
            return _finding("KL026", at)


def _merge(
    documents: list[YamlDocument], findings: list[Finding]
) -> tuple[dict[str, Any], SourceMap]:
    """Merge the files of a folder: list sections are joined, other sections appear once."""
    if len(documents) == 1:
        return documents[0].data, documents[0].source
    data: dict[str, Any] = {}
    merged = SourceMap(files=[f for d in documents for f in d.source.files])
    merged.values[()] = documents[0].source.values[()]
    for document in documents:
        for key, value in document.data.items():
            key_location = document.source.keys.get((key,))
            offset = (
                len(data[key])
                if key in _LIST_SECTIONS and isinstance(data.get(key), list)
                else None
            )
            if key in data and offset is None:
                if key == "kluis" and data[key] == value:
                    continue
                first = merged.keys.get((key,))
                findings.append(
                    _finding(
                        "KL020", key_location, (key,), key=key, first=first.file if first else "?"
                    )
                )
                continue
            if offset is not None and isinstance(value, list):
                data[key].extend(value)
            else:
                data[key] = value
                offset = 0
                merged.keys[(key,)] = key_location or merged.values[()]
            _shift(document.source, key, offset, merged)
    return data, merged


def _shift(source: SourceMap, key: str, offset: int, into: SourceMap) -> None:
    """Copy the locations under section ``key``, moving list indexes by ``offset``."""
    for table, target in ((source.values, into.values), (source.keys, into.keys)):
        for path, location in table.items():
            if not path or path[0] != key or (table is source.keys and len(path) == 1):
                continue
            if len(path) > 1 and isinstance(path[1], int):
                target.setdefault((key, path[1] + offset, *path[2:]), location)
            else:
                target.setdefault(path, location)


# --- validating the shape -----------------------------------------------------------------


def _validate(data: dict[str, Any], source: SourceMap, findings: list[Finding]) -> Register | None:
    try:
        return Register.model_validate(data)
    except ValidationError as error:
        for detail in error.errors(include_url=False, include_input=True):
            findings.append(_pydantic_finding(detail, source))
        return None


def _field_name(loc: Path_) -> str:
    return ".".join(str(part) if isinstance(part, str) else f"[{part}]" for part in loc).replace(
        ".[", "["
    )


def _kind_of(value: object) -> LocalText:
    name = type(value).__name__
    if isinstance(value, date):
        name = "date"
    return LocalText("loader", _KINDS.get(name, N_("a value")))


def _pydantic_finding(detail: ErrorDetails, source: SourceMap) -> Finding:  # noqa: PLR0911
    loc: Path_ = tuple(
        part for part in detail["loc"] if part not in ("[key]",) and not _is_branch(part)
    )
    kind, ctx, value = detail["type"], detail.get("ctx", {}), detail.get("input")
    field = _field_name(loc)
    at = source.value(loc)
    if kind == "extra_forbidden":
        key = str(loc[-1])
        suggestion = did_you_mean(key, _known_keys(loc[:-1]))
        return _with_hint("KL003", source.key(loc), loc, suggestion, key=key)
    if kind == "missing":
        return _finding("KL004", source.value(loc[:-1]), loc, key=str(loc[-1]))
    if loc == ("kluis",):
        return _finding("KL018", at, loc, value=str(value))
    simple = {
        "kluis_duration": "KL007", "kluis_country": "KL009", "kluis_language": "KL010",
        "kluis_text_language": "KL010", "kluis_slug": "KL011", "kluis_dotted_id": "KL011",
        "kluis_month_day": "KL016",
    }  # fmt: skip
    if kind in simple:
        return _finding(simple[kind], at, loc, value=str(ctx.get("value", value)))
    if kind == "kluis_email":
        return _finding("KL014", at, loc, field=field)
    if kind in ("kluis_text", "kluis_empty_text"):
        return _finding("KL017", at, loc, field=field)
    if kind.startswith("date_") or kind.startswith("datetime_"):
        return _finding("KL008", at, loc, field=field)
    if kind in ("enum", "literal_error"):
        expected = str(ctx.get("expected", ""))
        options = [part.strip(" '") for part in expected.replace(" or ", ", ").split(",")]
        suggestion = did_you_mean(str(value), options) if isinstance(value, str) else None
        return _with_hint("KL006", at, loc, suggestion, field=field, expected=expected)
    if kind == "too_short":
        return _finding("KL021", at, loc, field=field, min=ctx.get("min_length", 1))
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(ctx.values()), "")
        sign = {
            "greater_than_equal": ">=",
            "greater_than": ">",
            "less_than_equal": "<=",
            "less_than": "<",
        }[kind]
        return _finding("KL022", at, loc, field=field, constraint=f"{sign} {bound}")
    return _finding(
        "KL005", at, loc, field=field, expected=_expected_kind(kind), got=_kind_of(value)
    )


def _is_branch(part: str | int) -> bool:
    """Pydantic names the branch of a union it tried; such names are not keys of the YAML."""
    return isinstance(part, str) and (
        part.startswith(("function-", "constrained-", "lax-", "json-"))
        or part in ("str", "int", "list", "dict", "date", "bool", "float", "is-instance")
    )


def _expected_kind(kind: str) -> LocalText:
    for prefix, name in (
        ("string", "str"), ("int", "int"), ("float", "float"), ("bool", "bool"),
        ("list", "list"), ("dict", "dict"), ("model", "dict"), ("date", "date"),
    ):  # fmt: skip
        if kind.startswith(prefix):
            return LocalText("loader", _KINDS[name])
    return LocalText("loader", N_("a value of another kind"))


def _known_keys(loc: Path_) -> list[str]:
    """The keys the model at ``loc`` accepts, for "did you mean"."""
    model: Any = Register
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
        info = model.model_fields.get(part)
        if info is None:
            return []
        model = _inner_model(info.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _inner_model(annotation: Any) -> Any:
    origin = get_origin(annotation)
    if origin in (list, Union, types.UnionType):
        for arg in get_args(annotation):
            found = _inner_model(arg)
            if isinstance(found, type) and issubclass(found, BaseModel):
                return found
        return None
    return annotation


# --- validating meaning -------------------------------------------------------------------


def _items(data: Mapping[str, Any], section: str) -> list[tuple[int, Mapping[str, Any]]]:
    value = data.get(section)
    if not isinstance(value, list):
        return []
    return [(index, item) for index, item in enumerate(value) if isinstance(item, Mapping)]


def _ids(data: Mapping[str, Any], section: str) -> set[str]:
    return {str(item["id"]) for _, item in _items(data, section) if isinstance(item.get("id"), str)}


def _strings(value: Any) -> list[tuple[int, str]]:
    if not isinstance(value, list):
        return []
    return [(index, item) for index, item in enumerate(value) if isinstance(item, str)]


def _duplicates(data: Mapping[str, Any], section: str, source: SourceMap) -> Iterator[Finding]:
    seen: dict[str, int] = {}
    for index, item in _items(data, section):
        item_id = item.get("id")
        if not isinstance(item_id, str):
            continue
        if item_id in seen:
            first = source.value((section, seen[item_id]))
            yield _finding(
                "KL012",
                source.value((section, index, "id")),
                (section, index, "id"),
                id=item_id,
                section=section,
                first=first.line if first else "?",
            )
        else:
            seen[item_id] = index


def _unknown(
    value: str, known: Iterable[str], kind: str, path: Path_, source: SourceMap
) -> Finding:
    kind_text = LocalText("loader", _REFERENCE_KINDS[kind])
    return _with_hint(
        "KL013", source.value(path), path, did_you_mean(value, known), id=value, kind=kind_text
    )


@dataclass(frozen=True)
class _Known:
    """The ids a register defines, by what a reference may name."""

    ids: dict[str, set[str]]
    source: SourceMap

    def many(self, values: Any, kind: str, base: Path_) -> Iterator[Finding]:
        for index, value in _strings(values):
            yield from self.one(value, kind, (*base, index))

    def one(self, value: Any, kind: str, path: Path_) -> Iterator[Finding]:
        if not isinstance(value, str) or value in self.ids[kind]:
            return
        if kind == "system" and value in self.ids["processor"]:
            # The specification's own example names a processor where a system belongs.
            yield _finding("KL027", self.source.value(path), path, id=value)
        else:
            yield _unknown(value, self.ids[kind], kind, path, self.source)


def _references(data: Mapping[str, Any], source: SourceMap) -> Iterator[Finding]:
    """Duplicate ids and references to unknown ids, read from the raw data.

    Reading the raw data rather than the models lets these errors be reported together
    with errors of shape, in one run.
    """
    taxonomy = builtin_taxonomy()
    for section in _LIST_SECTIONS:
        yield from _duplicates(data, section, source)
    processors = _ids(data, "processors")
    known = _Known(
        {
            "role": _ids(data, "roles") | set(BUILTIN_ROLES),
            "system": _ids(data, "systems"),
            "processor": processors,
            "recipient": processors | _ids(data, "third_parties"),
            "consent": _ids(data, "consent_purposes"),
            "activity": _ids(data, "activities"),
            "category": set(taxonomy.categories) | _ids(data, "categories"),
            "subject": set(taxonomy.subjects) | _ids(data, "data_subjects"),
            "measure": set(taxonomy.security_measures) | _ids(data, "security_measures"),
        },
        source,
    )
    for index, category in _items(data, "categories"):
        yield from known.one(category.get("parent"), "category", ("categories", index, "parent"))
    for index, system in _items(data, "systems"):
        yield from known.one(system.get("processor"), "processor", ("systems", index, "processor"))
    for index, activity in _items(data, "activities"):
        yield from _activity_references(activity, ("activities", index), known)


def _activity_references(
    activity: Mapping[str, Any], base: Path_, known: _Known
) -> Iterator[Finding]:
    for key, kind in (
        ("data_subjects", "subject"), ("data_categories", "category"), ("recipients", "recipient"),
        ("systems", "system"), ("access", "role"), ("security", "measure"),
    ):  # fmt: skip
        yield from known.many(activity.get(key), kind, (*base, key))
    fields = activity.get("fields")
    fields = fields if isinstance(fields, Mapping) else {}
    for name, category in fields.items():
        yield from known.one(category, "category", (*base, "fields", name))
    field_names = _Known({"field": {str(k) for k in fields}}, known.source)
    yield from field_names.many(activity.get("identifiers"), "field", (*base, "identifiers"))
    basis = activity.get("legal_basis")
    if isinstance(basis, Mapping):
        yield from known.one(basis.get("consent"), "consent", (*base, "legal_basis", "consent"))
    yield from known.one(activity.get("replaced_by"), "activity", (*base, "replaced_by"))


def _enterprise_number(register: Register, source: SourceMap) -> Iterator[Finding]:
    organisation = register.organisation
    number = organisation.enterprise_number
    if number is None:
        return
    problem = identifiers.enterprise_number_problem(number, organisation.country)
    if problem is not None:
        path: Path_ = ("organisation", "enterprise_number")
        yield _finding("KL015", source.value(path), path, kind=LocalText("loader", problem))


def _sorted(findings: list[Finding]) -> list[Finding]:
    def key(finding: Finding) -> tuple[str, int, int, str]:
        at = finding.location
        return (at.file, at.line, at.column, finding.code) if at else ("", 0, 0, finding.code)

    return sorted(findings, key=key)
