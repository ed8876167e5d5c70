"""The server: :func:`create_app` builds the FastAPI application (web interface, public
pages, REST API) over one vault; :func:`serve` runs it with uvicorn.

Domain errors are translated here, once: for ``/api`` into a JSON error object with a
stable ``code``, for pages into an error page in the visitor's language. Nobody signed in
means a redirect to the sign-in page, or 401 for the API. Nothing is logged but the method,
the route's pattern (never the address as sent, which may hold a token), the status and
the time taken.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Final

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from kluis import api, web
from kluis.api.common import api_language
from kluis.config import Settings, load_settings
from kluis.core.clock import Clock, SystemClock
from kluis.core.errors import KluisError
from kluis.crypto import LocalKeyProvider, read_key_file
from kluis.crypto.keys import KeyProvider
from kluis.i18n import N_
from kluis.jobs import SCHEDULER, Reminder, Scheduler, Send, Worker, mail_sender
from kluis.mail import mailer_for
from kluis.server import (
    SecurityHeaders,
    ServerState,
    Unauthenticated,
    require_caller,
    status_of,
)
from kluis.server.access import AccessLog, route_pattern
from kluis.server.protocol import NoDelayHttpProtocol
from kluis.server.workers import LOG_FORMAT, run_workers, settle_heap
from kluis.storage import Checkpointer, current_revision, head_revision, make_engine, upgrade
from kluis.users.auth import seal_totp_secrets
from kluis.web.errors import error_text
from kluis.web.render import language_of, page, t

log = logging.getLogger("kluis.server")

SETUP_CODE_VARIABLE: Final = "KLUIS_SETUP_CODE"
JOBS_VARIABLE: Final = "KLUIS_JOBS"
#: Connections kept open per server process: one per thread that runs requests.
SERVER_CONNECTIONS: Final = 40
#: On SQLite, the server folds the write-ahead log into the database file every second in
#: a thread of its own (:class:`kluis.storage.Checkpointer`); a commit does it only if the
#: log reaches this many pages (100 MB) all the same.
SERVER_AUTOCHECKPOINT: Final = 25_000
_STATUS_TEXT: Final = {
    400: N_("The request is not valid."),
    401: N_("Please sign in."),
    403: N_("You may not do this."),
    404: N_("This page does not exist."),
    405: N_("This page does not accept that."),
    409: N_("This contradicts what is stored."),
    413: N_("What you sent is too large."),
    422: N_("Some of what you sent is not valid."),
    429: N_("Too many attempts; wait a while."),
    500: N_("Something went wrong on our side. Nothing you sent was lost; try again."),
}
_CODES: Final = {
    400: "bad_request",
    401: "unauthenticated",
    403: "not_allowed",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid_input",
    429: "throttled",
    500: "server_error",
}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_json(
    status: int, code: str, message: str, details: list[dict[str, str | None]] | None = None
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "status": status, "details": details or []}}
    return JSONResponse(body, status_code=status)


def _error_page(request: Request, status: int, message: str) -> Response:
    lang = language_of(request)
    heading = t(lang, _STATUS_TEXT.get(status, _STATUS_TEXT[400]))
    context = {"heading": heading, "message": message, "back": "/"}
    return page(request, "error.html", context, status=status, lang=lang)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(KluisError)
    async def domain_error(request: Request, error: KluisError) -> Response:
        status = status_of(error)
        if _is_api(request):
            text = error_text(api_language(request), error)
            field = getattr(error, "field", None)
            details: list[dict[str, str | None]] = (
                [{"field": field, "message": text}] if isinstance(field, str) else []
            )
            return _error_json(status, error.code, text, details)
        return _error_page(request, status, error_text(language_of(request), error))

    @app.exception_handler(Unauthenticated)
    async def unauthenticated(request: Request, error: Unauthenticated) -> Response:
        if _is_api(request):
            response = _error_json(
                401, "unauthenticated", t(api_language(request), _STATUS_TEXT[401])
            )
            response.headers["www-authenticate"] = "Bearer"
            return response
        target = "/login/code" if error.pending else "/login"
        if request.method == "GET":
            target += f"?next={request.url.path}"
        return RedirectResponse(target, status_code=303)

    _install_input_handlers(app)


def _install_input_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        details: list[dict[str, str | None]] = [
            {
                "field": ".".join(str(part) for part in item.get("loc", ())),
                "message": str(item.get("msg", "")),
            }
            for item in error.errors()
        ]
        lang = api_language(request) if _is_api(request) else language_of(request)
        message = t(lang, _STATUS_TEXT[422])
        if _is_api(request):
            return _error_json(422, "invalid_input", message, details)
        fields = ", ".join(sorted({str(d["field"]).split(".")[-1] for d in details}))
        return _error_page(request, 422, f"{message} ({fields})")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        status = error.status_code
        lang = api_language(request) if _is_api(request) else language_of(request)
        message = t(lang, _STATUS_TEXT.get(status, _STATUS_TEXT[400]))
        response: Response
        if _is_api(request):
            response = _error_json(status, _CODES.get(status, "error"), message)
        else:
            response = _error_page(request, status, message)
        for name, value in (error.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(Exception)
    async def server_error(request: Request, error: Exception) -> Response:
        log.error(
            "unhandled %s on %s %s",
            type(error).__name__,
            request.method,
            route_pattern(request.scope),
        )
        lang = api_language(request) if _is_api(request) else language_of(request)
        message = t(lang, _STATUS_TEXT[500])
        if _is_api(request):
            return _error_json(500, "server_error", message)
        return _error_page(request, 500, message)


def open_engine(settings: Settings) -> Engine:
    """The vault's database, brought to the newest revision, with a connection for each
    thread that serves requests (opening an SQLite connection, with its key store attached,
    costs more than most requests)."""
    engine = make_engine(
        settings.database_url,
        pool_size=SERVER_CONNECTIONS,
        max_overflow=8,
        wal_autocheckpoint=SERVER_AUTOCHECKPOINT,
    )
    if current_revision(engine) != head_revision():
        upgrade(engine)
    return engine


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    provider: KeyProvider | None = None,
    engine: Engine | None = None,
    setup_code: str | None = None,
    secure_cookies: bool = True,
    scheduler: bool = True,
) -> FastAPI:
    """The Kluis server over the vault of ``settings``. With ``scheduler``, a thread of the
    process queues the daily jobs and runs what is due while the server runs (tests leave it
    off and run jobs themselves)."""
    state = ServerState(
        settings=settings,
        engine=engine or open_engine(settings),
        provider=provider or LocalKeyProvider(read_key_file(settings.key_file)),
        clock=clock or SystemClock(),
        setup_code=setup_code or os.environ.get(SETUP_CODE_VARIABLE) or new_setup_code(),
        secure_cookies=secure_cookies,
    )
    app = FastAPI(
        title="Kluis API",
        version="1",
        summary="The register of processing activities as the policy.",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan(state, scheduler=scheduler),
    )
    app.state.kluis = state
    for router in (*api.routers(), *web.routers()):
        app.include_router(router, dependencies=[Depends(require_caller)])
    for router in (*api.public_routers(), *web.public_routers()):
        app.include_router(router)
    app.mount("/static", StaticFiles(packages=[("kluis.web", "static")]), name="static")
    _install_error_handlers(app)
    app.add_middleware(SecurityHeaders, secure_cookies=secure_cookies)
    app.add_middleware(AccessLog)
    return app


def _reminder_sender(state: ServerState) -> Send | None:
    """Deadline reminders by e-mail, when an SMTP server is set (else they are only counted).
    The mailer is made at each sending, so its sender follows the register applied then."""
    smtp = state.settings.smtp
    if smtp is None:
        return None

    def send(reminders: Sequence[Reminder]) -> int:
        with state.transaction(read_only=True) as session:
            mailer = mailer_for(smtp, session)
        return mail_sender(mailer, link=f"{state.settings.public_url}/requests")(reminders)

    return send


def _lifespan(
    state: ServerState, *, scheduler: bool
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start the background threads with the server (the job scheduler, with ``scheduler``;
    on SQLite the checkpoints of the write-ahead log), stop them with the server. First,
    wrap any second-factor secret an earlier version stored in clear."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        with state.transaction() as session:
            sealed = seal_totp_secrets(session, state.provider)
        if sealed:
            log.info("%d second-factor secret(s) wrapped by the key-encryption key", sealed)
        checkpoints = Checkpointer(state.engine)
        checkpoints.start()
        runner: Scheduler | None = None
        if scheduler:
            worker = Worker(state.engine, state.keyring, state.clock, send=_reminder_sender(state))
            runner = state.extras[SCHEDULER] = Scheduler(worker)
            runner.start()
        try:
            yield
        finally:
            if runner is not None:
                await asyncio.to_thread(runner.stop)
                state.extras.pop(SCHEDULER, None)
            await asyncio.to_thread(checkpoints.stop)

    return lifespan


def new_setup_code() -> str:
    """A one-time code that guards the creation of the first administrator."""
    return secrets.token_urlsafe(12)


def jobs_enabled() -> bool:
    """Whether this server process runs background jobs: yes unless ``KLUIS_JOBS=off``
    (for a process that only answers requests, or a benchmark)."""
    return os.environ.get(JOBS_VARIABLE, "on").strip().lower() not in {"off", "0", "false", "no"}


def app_from_environment() -> FastAPI:
    """The application for the settings of ``KLUIS_HOME`` (for uvicorn's worker processes)."""
    return create_app(load_settings(), scheduler=jobs_enabled())


def serve(settings: Settings, *, host: str, port: int, workers: int = 1) -> None:
    """Run the server until interrupted."""
    import uvicorn  # noqa: PLC0415 - only the serving command needs it

    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    os.environ.setdefault("KLUIS_HOME", str(settings.folder))
    if workers > 1:
        run_workers(
            "kluis.app:app_from_environment",
            host=host,
            port=port,
            workers=workers,
            http="kluis.server.protocol:NoDelayHttpProtocol",
        )
        return
    application = create_app(settings, scheduler=jobs_enabled())
    settle_heap()
    uvicorn.run(
        application,
        host=host,
        port=port,
        access_log=False,
        proxy_headers=False,
        http=NoDelayHttpProtocol,
    )
