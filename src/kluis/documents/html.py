"""Rendering a document's view model to HTML (for the browser, and for WeasyPrint)."""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from markupsafe import Markup

from kluis.documents.environment import build_environment, css_string
from kluis.documents.language import Lang

_COUNTERS: Final = re.compile(r"\{(page|pages)\}")


def page_counter(lang: Lang) -> Markup:
    """The CSS ``content`` value for "page X of Y" in ``lang``."""
    parts = _COUNTERS.split(lang.gettext("Page {page} of {pages}"))
    pieces = [
        f"counter({part})" if index % 2 else css_string(part)
        for index, part in enumerate(parts)
        if part or index % 2
    ]
    return Markup(" ".join(pieces))  # noqa: S704 - CSS strings escaped by css_string, counters literal


def render_html(template: str, view: object, *, lang: Lang, today: date) -> str:
    """Render ``template`` with ``view`` as an HTML document in ``lang``."""
    environment = build_environment(lang)
    return environment.get_template(template).render(
        view=view, page_counter=page_counter(lang), iso_date=today.isoformat()
    )
