"""Finding every translatable text of a domain in the source, for the catalogue tooling
(``make messages``) and the test that every text is translated."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file

#: Which files each domain's texts live in, relative to the ``kluis`` package.
DOMAIN_SOURCES: Final[dict[str, tuple[str, ...]]] = {
    "loader": ("register/loader.py", "register/identifiers.py"),
    "checks": ("register/checks",),
    "documents": ("documents",),
    "cli": ("cli",),
    "web": ("app.py", "server", "web", "api", "mail"),
    "vault": (
        "config.py",
        "crypto",
        "storage",
        "audit",
        "users",
        "register/versions.py",
        "register/diff.py",
        "vault",
        "retention",
        "consent",
        "subject_requests",
        "backup",
        "jobs",
    ),
}
_METHODS: Final = {".py": "python", ".html": "jinja2", ".md": "jinja2", ".txt": "jinja2"}
KEYWORDS: Final = {
    "N_": None,
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "t": (2,),
    "fail": (2,),
    "flash": (3,),
    # Domain errors carry their English message as the first argument.
    **dict.fromkeys(
        (
            "InvalidInput",
            "NotFound",
            "Conflict",
            "NotAllowed",
            "FieldRefused",
            "AccessDenied",
            "SubjectNotFound",
            "KeyFileInvalid",
            "KeyFileExists",
            "UnknownKek",
            "CannotDecrypt",
            "ImportFileInvalid",
            "BackupInvalid",
            "BackupNotFound",
            "RestoreRefused",
            "Throttled",
            "MailNotConfigured",
            "MailFailed",
            "JobLost",
        ),
        (1,),
    ),
}
_PLACEHOLDER: Final = re.compile(r"\{(\w+)\}|%\((\w+)\)s")


def package_root() -> Path:
    """The folder of the ``kluis`` package."""
    return Path(__file__).resolve().parent.parent


def _files(domain: str) -> Iterator[Path]:
    root = package_root()
    for relative in DOMAIN_SOURCES[domain]:
        path = root / relative
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        yield from (p for p in candidates if p.suffix in _METHODS and p.is_file())


def extract(domain: str) -> Catalog:
    """A catalogue template holding every msgid of ``domain`` found in the source."""
    catalog = Catalog(domain=domain, project="kluis", charset="utf-8")
    options = {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}
    for file in _files(domain):
        method = _METHODS[file.suffix]
        for lineno, message, comments, _context in extract_from_file(
            method, str(file), keywords=KEYWORDS, options=options if method == "jinja2" else None
        ):
            location = (str(file.relative_to(package_root().parent)), lineno)
            catalog.add(message, locations=[location], auto_comments=comments)
    return catalog


def placeholders(text: str) -> set[str]:
    """The names of ``{name}`` and ``%(name)s`` placeholders in ``text``."""
    return {a or b for a, b in _PLACEHOLDER.findall(text)}
