"""Rendering pages: one Jinja2 environment per language (texts of the ``web`` catalogue),
the language of each visitor, short messages carried to the next page, and pagination."""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, partial
from typing import Any, Final, Generic, TypeVar

from jinja2 import Environment
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from kluis.i18n import LANGUAGES, from_accept_language, gettext, language_name
from kluis.server import CSRF_FIELD, Caller, csrf_token, state_of
from kluis.server.security import cookie_header
from kluis.server.templates import page_environment
from kluis.web.labels import label

LANG_COOKIE: Final = "kluis_lang"
FLASH_COOKIE: Final = "kluis_flash"
DEFAULT_LANGUAGE: Final = "nl"
PER_PAGE: Final = 25

T = TypeVar("T")


def t(lang: str, message: str, /, **params: object) -> str:
    """Translate a message of the ``web`` domain."""
    return gettext(lang, "web", message, **params)


@cache
def environment(lang: str) -> Environment:
    """The template environment speaking ``lang``."""
    env = page_environment("kluis.web", lang)
    env.globals["LANGUAGES"] = LANGUAGES
    env.globals["language_name"] = language_name
    env.globals["CSRF_FIELD"] = CSRF_FIELD
    # label(table, code): the word for a code the services keep (kluis.web.labels).
    env.globals["label"] = partial(label, lang)
    return env


def language_of(request: Request, caller: Caller | None = None) -> str:
    """The visitor's language: chosen on the page (cookie), else the session's, else the
    browser's preference among nl, en, fr, else Dutch."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    if caller is not None and caller.signed and caller.signed.record.language in LANGUAGES:
        return str(caller.signed.record.language)
    return from_accept_language(request.headers.get("accept-language", ""), DEFAULT_LANGUAGE)


def set_language_cookie(response: Response, lang: str, *, secure: bool) -> None:
    """Remember the chosen language for a year."""
    response.headers.append(
        "set-cookie",
        cookie_header(LANG_COOKIE, lang, secure=secure, max_age=365 * 86400).decode("latin-1"),
    )


def flash(response: Response, request: Request, message: str, /, **params: object) -> None:
    """Show ``message`` (an English text of the ``web`` domain, its params free of personal
    data) on the next page the browser opens."""
    payload = base64.urlsafe_b64encode(json.dumps([message, params]).encode()).decode()
    response.headers.append(
        "set-cookie",
        cookie_header(FLASH_COOKIE, payload, secure=state_of(request).secure_cookies).decode(
            "latin-1"
        ),
    )


def _flashed(request: Request, lang: str) -> str | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        message, params = json.loads(base64.urlsafe_b64decode(raw.encode()))
        return t(lang, str(message), **dict(params))
    except (ValueError, TypeError, KeyError, IndexError, binascii.Error):
        return None


def redirect(url: str) -> RedirectResponse:
    """A redirect after a form (303: the browser follows it with GET)."""
    return RedirectResponse(url, status_code=303)


def page(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    caller: Caller | None = None,
    status: int = 200,
    lang: str | None = None,
) -> HTMLResponse:
    """Render ``template`` for this visitor, with what every page shows: the language,
    the signed-in user, the CSRF token and a message carried from the previous page."""
    language = lang or language_of(request, caller)
    notice = _flashed(request, language)
    values = {
        "request": request,
        "lang": language,
        "caller": caller,
        "csrf_token": csrf_token(request),
        "flash": notice,
        "path": request.url.path,
        **(context or {}),
    }
    body = environment(language).get_template(template).render(values)
    response = HTMLResponse(body, status_code=status)
    if notice is not None:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list that can grow."""

    items: Sequence[T]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least one)."""
        return max(1, math.ceil(self.total / self.size))

    @property
    def offset(self) -> int:
        """How many items come before this page."""
        return (self.number - 1) * self.size


def page_number(request: Request) -> int:
    """The page asked for in ``?page=`` (1 when absent or not a positive whole number)."""
    raw = request.query_params.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 1_000_000 else 1
