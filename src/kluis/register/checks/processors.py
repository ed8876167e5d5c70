"""Processors (Art. 28 GDPR): a binding agreement with each, in force.

Art. 28(3): processing by a processor is governed by a contract or other legal act, in
writing (Art. 28(9)); the register records when it was signed and when it ends. A
processor that no activity uses is probably a leftover of the register (Art. 30(1)(d)).
"""

from __future__ import annotations

from collections.abc import Iterator

from kluis.i18n import N_
from kluis.register.checks.base import Context, Emitter, Finding, Severity, check
from kluis.register.checks.common import activity_processors


@check(
    "KL501",
    Severity.error,
    "Art. 28(3), 28(9) GDPR",
    N_("A processor without a signed agreement"),
)
def no_agreement(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report a processor without a signed data processing agreement."""
    for index, processor in enumerate(context.register.processors):
        if processor.agreement is None or processor.agreement.signed is None:
            yield emit(
                ("processors", index, "agreement"),
                N_(
                    "The processor '{processor}' has no signed data processing agreement; "
                    "conclude one (Art. 28(3) lists what it must say) and record "
                    "agreement.signed with its date"
                ),
                processor=processor.id,
            )


@check("KL502", Severity.error, "Art. 28(3) GDPR", N_("An expired processor agreement"))
def expired_agreement(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report a processor whose agreement has expired."""
    for index, processor in enumerate(context.register.processors):
        agreement = processor.agreement
        if agreement is None or agreement.expires is None or agreement.expires >= context.today:
            continue
        yield emit(
            ("processors", index, "agreement", "expires"),
            N_(
                "The agreement with processor '{processor}' expired on {expires}; renew it "
                "and update agreement.expires, or stop using the processor"
            ),
            processor=processor.id,
            expires=agreement.expires.isoformat(),
        )


@check("KL503", Severity.info, "Art. 30(1)(d) GDPR", N_("A processor no activity uses"))
def unused_processor(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Point out a processor that runs no system of an activity and receives no data."""
    register = context.register
    used = {p for activity in register.activities for p in activity_processors(register, activity)}
    for index, processor in enumerate(register.processors):
        if processor.id not in used:
            yield emit(
                ("processors", index, "id"),
                N_(
                    "No activity uses the processor '{processor}' (through its systems or "
                    "recipients); add it where it processes data, or remove it"
                ),
                processor=processor.id,
            )
