"""Rendering a document's view model to Markdown (CommonMark with GitHub tables)."""

from __future__ import annotations

import re
from typing import Final

from kluis.documents.environment import build_environment
from kluis.documents.language import Lang

_BLANK_LINES: Final = re.compile(r"\n{3,}")


def render_markdown(template: str, view: object, *, lang: Lang) -> str:
    """Render ``template`` with ``view`` as Markdown in ``lang``."""
    text = build_environment(lang).get_template(template).render(view=view)
    return _BLANK_LINES.sub("\n\n", text).strip() + "\n"
