"""Transfers outside the EEA (Art. 44-49 GDPR), read from processors, third parties and the
locations of systems.

Art. 44: data go to a third country only under Chapter V. Art. 45: an adequacy decision
(the EU-US one, Decision (EU) 2023/1795, only for recipients certified under the Data
Privacy Framework, whose certification should be checked now and then); Art. 46-47:
safeguards such as standard contractual clauses or binding corporate rules; Art. 49:
derogations, each with its reason. CJEU C-311/18 (Schrems II, 16 July 2020) invalidated the
Privacy Shield. The facts (EEA, adequacy decisions) come from :mod:`kluis.register.law`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from kluis.i18n import N_
from kluis.register import law
from kluis.register.checks.base import Context, Emitter, Finding, Severity, check
from kluis.register.checks.common import text
from kluis.register.schema import Processor, Register, ThirdParty, Transfer, TransferMechanism
from kluis.register.source import Path_

_DPF_COUNTRY = "US"
#: How long a check of a recipient's DPF certification is taken as current.
_DPF_RECHECK_DAYS = 366


@dataclass(frozen=True)
class _Destination:
    """A country outside the organisation that data go to, and the transfer recorded for it."""

    path: Path_
    message: str
    country: str
    transfer: Transfer | None
    owner: str  # the processor, third party or system that sends data there
    processor: str = ""  # for a system: the processor that runs it


def _owners(register: Register) -> Iterator[tuple[Path_, Processor | ThirdParty]]:
    for index, processor in enumerate(register.processors):
        yield ("processors", index), processor
    for index, party in enumerate(register.third_parties):
        yield ("third_parties", index), party


def _transfers(register: Register) -> Iterator[tuple[Path_, str, Transfer]]:
    """Every recorded transfer, with its path and the id of the recipient that makes it."""
    for base, owner in _owners(register):
        for index, transfer in enumerate(owner.transfers):
            yield (*base, "transfers", index), owner.id, transfer


def _recorded(owner: Processor | ThirdParty, country: str) -> Transfer | None:
    return next((t for t in owner.transfers if t.country == country), None)


def _owner_destinations(register: Register) -> Iterator[_Destination]:
    """Where processors and third parties are established, and where they transfer to."""
    for base, owner in _owners(register):
        if _recorded(owner, owner.country) is None:
            message = N_(
                "'{owner}' is established in {country}, outside the EEA, without an adequacy "
                "decision that covers it; add a transfer to {country} under its transfers, "
                "with a mechanism ({hint})"
            )
            yield _Destination((*base, "country"), message, owner.country, None, owner.id)
        for index, transfer in enumerate(owner.transfers):
            message = N_(
                "The transfer of '{owner}' to {country} names no mechanism, and no adequacy "
                "decision covers it; add mechanism ({hint})"
            )
            path = (*base, "transfers", index)
            yield _Destination(path, message, transfer.country, transfer, owner.id)


def _system_destinations(register: Register) -> Iterator[_Destination]:
    """Where systems keep data, unless the processor running them records it already."""
    processors = {processor.id: processor for processor in register.processors}
    for index, system in enumerate(register.systems):
        runner = processors.get(system.processor) if system.processor else None
        for position, country in enumerate(system.location):
            path = ("systems", index, "location", position)
            if runner is None:
                message = N_(
                    "The system '{owner}' keeps data in {country}, outside the EEA, and names "
                    "no processor; name the processor that runs it and record its transfer to "
                    "{country} with a mechanism ({hint})"
                )
                yield _Destination(path, message, country, None, system.id)
            elif country != runner.country and _recorded(runner, country) is None:
                message = N_(
                    "The system '{owner}' keeps data in {country}, outside the EEA, but its "
                    "processor '{processor}' records no transfer there; add a transfer to "
                    "{country} with a mechanism ({hint}) to that processor"
                )
                yield _Destination(path, message, country, None, system.id, runner.id)


def _hint(country: str, on: date) -> str:
    decision = law.adequacy_for(country, on)
    if decision is not None and decision.requires == "dpf":
        return N_("dpf if the recipient is certified under the Data Privacy Framework, else scc")
    return N_("scc, bcr, or derogation with its reason")


def _uncovered(country: str, on: date) -> bool:
    """Whether data going to ``country`` need a mechanism (no EEA, no general adequacy)."""
    return not law.is_eea(country) and not law.is_adequate(country, on)


@check(
    "KL401",
    Severity.error,
    "CJEU C-311/18; Art. 46 GDPR",
    N_("A transfer under the invalid Privacy Shield"),
)
def privacy_shield(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report a transfer that still relies on the EU-US Privacy Shield."""
    shield = law.privacy_shield()
    for path, owner, transfer in _transfers(context.register):
        if transfer.mechanism is TransferMechanism.privacy_shield:
            yield emit(
                (*path, "mechanism"),
                N_(
                    "The transfer of '{owner}' to {country} relies on the EU-US Privacy "
                    "Shield, which the Court of Justice invalidated on {invalidated} "
                    "({judgment}); use dpf if the recipient is certified under the Data "
                    "Privacy Framework, or standard contractual clauses (scc)"
                ),
                owner=owner,
                country=transfer.country,
                invalidated=shield.invalidated.isoformat(),
                judgment=shield.judgment,
            )


@check(
    "KL402",
    Severity.error,
    "Art. 44-46 GDPR",
    N_("A transfer outside the EEA without a mechanism"),
)
def missing_mechanism(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report data going to a third country without adequacy and without a mechanism."""
    register, today = context.register, context.today
    for destination in [*_owner_destinations(register), *_system_destinations(register)]:
        transfer = destination.transfer
        if transfer is not None and transfer.mechanism is not None:
            continue
        if _uncovered(destination.country, today):
            yield emit(
                destination.path,
                destination.message,
                country=destination.country,
                hint=text(_hint(destination.country, today)),
                owner=destination.owner,
                processor=destination.processor,
            )


@check(
    "KL403",
    Severity.error,
    "Art. 45 GDPR",
    N_("Adequacy as the mechanism for a country without an adequacy decision"),
)
def adequacy_without_decision(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report ``mechanism: adequacy`` to a country no adequacy decision fully covers."""
    for path, owner, transfer in _transfers(context.register):
        if transfer.mechanism is not TransferMechanism.adequacy:
            continue
        if _uncovered(transfer.country, context.today):
            yield emit(
                (*path, "mechanism"),
                N_(
                    "The transfer of '{owner}' to {country} relies on an adequacy decision, "
                    "but none covers every recipient there; use {hint}"
                ),
                owner=owner,
                country=transfer.country,
                hint=text(_hint(transfer.country, context.today)),
            )


@check(
    "KL404",
    Severity.error,
    "Art. 45 GDPR; Decision (EU) 2023/1795",
    N_("The Data Privacy Framework for a country other than the United States"),
)
def dpf_outside_us(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report ``mechanism: dpf`` for a recipient outside the United States."""
    for path, owner, transfer in _transfers(context.register):
        if transfer.mechanism is TransferMechanism.dpf and transfer.country != _DPF_COUNTRY:
            yield emit(
                (*path, "mechanism"),
                N_(
                    "The transfer of '{owner}' to {country} relies on the EU-US Data Privacy "
                    "Framework, which covers only certified organisations in the United "
                    "States; use another mechanism (such as scc)"
                ),
                owner=owner,
                country=transfer.country,
            )


@check(
    "KL405",
    Severity.warning,
    "Art. 45 GDPR; Decision (EU) 2023/1795",
    N_("A DPF certification not checked recently"),
)
def dpf_unchecked(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report DPF transfers without a recent date of checking the certification."""
    for path, owner, transfer in _transfers(context.register):
        if transfer.mechanism is not TransferMechanism.dpf or transfer.country != _DPF_COUNTRY:
            continue
        checked = transfer.checked
        if checked is None:
            yield emit(
                (*path, "mechanism"),
                N_(
                    "The transfer of '{owner}' relies on the Data Privacy Framework but does "
                    "not say when the certification was checked; look the recipient up on the "
                    "DPF List and record checked with the date"
                ),
                owner=owner,
            )
        elif (context.today - checked).days > _DPF_RECHECK_DAYS:
            yield emit(
                (*path, "checked"),
                N_(
                    "The DPF certification of '{owner}' was last checked on {checked}; check "
                    "the DPF List again (certifications lapse and the framework is under "
                    "appeal) and update checked"
                ),
                owner=owner,
                checked=checked.isoformat(),
            )


@check("KL406", Severity.error, "Art. 49(1) GDPR", N_("A derogation without its reason"))
def derogation_without_reason(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report an Art. 49 derogation that does not say which one applies, and why."""
    for path, owner, transfer in _transfers(context.register):
        if transfer.mechanism is TransferMechanism.derogation and transfer.reason is None:
            yield emit(
                (*path, "mechanism"),
                N_(
                    "The transfer of '{owner}' to {country} relies on a derogation without its "
                    "reason; add reason naming the Art. 49(1) ground (such as explicit consent "
                    "or a contract with the person) and why it applies"
                ),
                owner=owner,
                country=transfer.country,
            )


@check(
    "KL407",
    Severity.warning,
    "Art. 45 GDPR",
    N_("An adequacy decision with a limited or unconfirmed scope"),
)
def adequacy_unconfirmed(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report reliance on an adequacy decision whose scope is limited or not confirmed."""
    register, today = context.register, context.today
    for destination in [*_owner_destinations(register), *_system_destinations(register)]:
        transfer = destination.transfer
        if transfer is not None and transfer.mechanism not in (None, TransferMechanism.adequacy):
            continue
        decision = law.adequacy_for(destination.country, today)
        if decision is None or decision.requires is not None:
            continue
        if decision.scope is not None or not decision.confirmed:
            yield emit(
                destination.path,
                N_(
                    "Data go to {country} on the strength of {decision}, whose scope is "
                    "limited or not confirmed; check that the recipient falls within it, or "
                    "use standard contractual clauses (scc)"
                ),
                country=destination.country,
                decision=decision.decision,
            )
