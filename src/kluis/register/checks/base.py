"""What a check is and what it finds. Checks are pure: a register in, findings out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from kluis.i18n import LocalText
from kluis.register.schema import Register
from kluis.register.source import Location, Path_, SourceMap
from kluis.register.taxonomy import Taxonomy


class Severity(StrEnum):
    """How serious a finding is. Errors make ``kluis register lint`` exit with status 1."""

    error = "error"
    warning = "warning"
    info = "info"


@dataclass(frozen=True)
class Finding:
    """One thing a check (or the loader) found, with where it was found."""

    code: str
    severity: Severity
    article: str
    text: LocalText
    location: Location | None = None
    path: Path_ = ()

    def message(self, language: str) -> str:
        """The finding's message in ``language``."""
        return self.text.render(language)


@dataclass(frozen=True)
class Context:
    """What a check may look at: the register, where its values stand, and the taxonomy.

    ``today`` is passed in (never read from the clock inside a check) so that checks about
    dates, such as an agreement that has expired, are reproducible.
    """

    register: Register
    source: SourceMap
    taxonomy: Taxonomy
    today: date


@dataclass(frozen=True)
class Check:
    """A registered check: its stable code, default severity, the rule it applies."""

    code: str
    severity: Severity
    article: str
    title: str
    run: Callable[[Context], Iterator[Finding]]


@dataclass
class Emitter:
    """Builds findings of one check, so that a check body only says what and where."""

    check: Check
    context: Context
    found: list[Finding] = field(default_factory=list)

    def __call__(
        self,
        path: Path_,
        message: str,
        *,
        key: bool = False,
        severity: Severity | None = None,
        **params: object,
    ) -> Finding:
        """Report ``message`` (an English msgid of the ``checks`` domain) at ``path``."""
        source = self.context.source
        location = source.key(path) if key else source.value(path)
        return Finding(
            code=self.check.code,
            severity=severity or self.check.severity,
            article=self.check.article,
            text=LocalText("checks", message, params),
            location=location,
            path=path,
        )


CheckBody = Callable[[Context, Emitter], Iterator[Finding]]


def check(code: str, severity: Severity, article: str, title: str) -> Callable[[CheckBody], Check]:
    """Turn a function ``(context, emit) -> findings`` into a :class:`Check`.

    ``title`` is the check's one-line description in English (a msgid of ``checks``).
    """

    def wrap(body: CheckBody) -> Check:
        def run(context: Context) -> Iterator[Finding]:
            return body(context, Emitter(made, context))

        made = Check(code=code, severity=severity, article=article, title=title, run=run)
        return made

    return wrap
