"""The Jinja2 environment the documents are rendered with, built per rendering.

HTML templates are autoescaped; Markdown templates are not (their filter ``md`` escapes
what Markdown would read as markup). Texts are translated through the gettext catalogue of
domain ``documents`` (``jinja2.ext.i18n``, new-style: ``_("... %(name)s", name=...)``).
Undefined names are errors, so a template never prints an empty hole silently.
"""

from __future__ import annotations

import re
from typing import Final

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from kluis.documents.language import Lang

_MARKDOWN_SPECIAL: Final = re.compile(r"([\\`*_\[\]<>|#])")


def css_string(value: str) -> Markup:
    """``value`` as a quoted CSS string, safe inside a ``<style>`` element."""
    escaped = "".join(c if c.isalnum() or c in " .,-_'()&:/@" else f"\\{ord(c):x} " for c in value)
    return Markup(f'"{escaped}"')  # noqa: S704 - every character but a safe few is escaped


def markdown_text(value: object) -> str:
    """``value`` with Markdown's markup characters escaped and line breaks flattened."""
    text = " ".join(str(value).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def build_environment(lang: Lang) -> Environment:
    """A Jinja2 environment speaking ``lang``."""
    environment = Environment(
        loader=PackageLoader("kluis.documents", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.install_gettext_translations(  # type: ignore[attr-defined]
        lang.catalogue, newstyle=True
    )
    environment.filters["css_string"] = css_string
    environment.filters["md"] = markdown_text

    def colon(label: str) -> str:
        """``label`` followed by a colon, as the language's typography writes it."""
        return label + lang.colon

    environment.filters["colon"] = colon
    return environment
