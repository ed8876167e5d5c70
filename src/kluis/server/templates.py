"""The Jinja2 environment the interfaces render pages with: autoescaped HTML, undefined
names as errors, texts of the ``web`` catalogue in the visitor's language."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from kluis.i18n import translations


def page_environment(package: str, lang: str) -> Environment:
    """A new environment for the templates of ``package`` (its ``templates`` folder),
    speaking ``lang``; callers keep one per language."""
    env = Environment(
        loader=PackageLoader(package, "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(  # type: ignore[attr-defined]
        translations(lang, "web"), newstyle=True
    )
    return env
