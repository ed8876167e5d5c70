"""Transfers outside the EEA (Art. 44-49) as the documents show them: the destination, the
recipient and the ground, with whether the ground is an adequacy decision, an appropriate
safeguard (of which a copy can be obtained, Art. 13(1)(f)), a derogation, or nothing valid.

Which countries are in the EEA and which have an adequacy decision on a date comes from
:mod:`kluis.register.law`; this module only words it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from kluis.documents.language import Lang
from kluis.documents.vocabulary import (
    ADEQUACY_MECHANISMS,
    SAFEGUARD_MECHANISMS,
    TRANSFER_MECHANISMS,
)
from kluis.register import law
from kluis.register.schema import (
    Processor,
    Register,
    System,
    ThirdParty,
    Transfer,
    TransferMechanism,
)


class Ground(StrEnum):
    """What kind of ground a transfer rests on."""

    adequacy = "adequacy"
    safeguard = "safeguard"
    derogation = "derogation"
    none = "none"


@dataclass(frozen=True)
class TransferView:
    """One transfer: who receives the data, where, and on what ground.

    ``adequate`` says whether the Commission has decided the destination is adequate
    (for the United States: for certified organisations only), whatever ground was chosen;
    ``decision`` names that decision, with ``confirmed`` false where ``law`` marks it so.
    """

    recipient: str
    country_code: str
    country: str
    ground: Ground
    mechanism: str
    detail: str
    reference: str
    adequate: bool
    decision: str
    confirmed: bool

    @property
    def valid(self) -> bool:
        """Whether the transfer rests on a ground the GDPR recognises."""
        return self.ground is not Ground.none


def _decision(country: str, mechanism: TransferMechanism | None, on: date) -> law.Adequacy | None:
    """The adequacy decision that covers this transfer, if one does."""
    if not law.is_adequate(country, on, dpf_certified=mechanism is TransferMechanism.dpf):
        return None
    return law.adequacy_for(country, on)


def _ground(decision: law.Adequacy | None, mechanism: TransferMechanism | None) -> Ground:
    if mechanism in SAFEGUARD_MECHANISMS:
        return Ground.safeguard
    if mechanism is TransferMechanism.derogation:
        return Ground.derogation
    if decision is not None and (mechanism is None or mechanism in ADEQUACY_MECHANISMS):
        return Ground.adequacy
    return Ground.none


def view(lang: Lang, recipient: str, transfer: Transfer, on: date) -> TransferView:
    """A transfer to ``recipient`` as the documents show it."""
    decision = _decision(transfer.country, transfer.mechanism, on)
    ground = _ground(decision, transfer.mechanism)
    if transfer.mechanism is not None:
        mechanism = lang.gettext(TRANSFER_MECHANISMS[transfer.mechanism])
    elif ground is Ground.adequacy:
        mechanism = lang.gettext(TRANSFER_MECHANISMS[TransferMechanism.adequacy])
    else:
        mechanism = lang.gettext("No transfer mechanism recorded")
    return TransferView(
        recipient=recipient,
        country_code=transfer.country,
        country=lang.country_name(transfer.country),
        ground=ground,
        mechanism=mechanism,
        detail=lang.text(transfer.reason),
        reference=transfer.reference or "",
        adequate=decision is not None,
        decision=decision.decision if decision else "",
        confirmed=decision.confirmed if decision else True,
    )


def of_party(lang: Lang, party: Processor | ThirdParty, on: date) -> list[TransferView]:
    """The transfers outside the EEA a processor or third party makes or is."""
    declared = [t for t in party.transfers if not law.is_eea(t.country)]
    if not law.is_eea(party.country) and all(t.country != party.country for t in declared):
        declared.insert(0, Transfer(country=party.country))
    return [view(lang, party.name, t, on) for t in declared]


def of_system(lang: Lang, register: Register, system: System, on: date) -> list[TransferView]:
    """Transfers made by storing data in ``system`` where it is located outside the EEA."""
    processor = next((p for p in register.processors if p.id == system.processor), None)
    declared = {t.country: t for t in processor.transfers} if processor else {}
    recipient = processor.name if processor else system.name
    found = []
    for country in system.location:
        if not law.is_eea(country):
            transfer = declared.get(country, Transfer(country=country))
            found.append(view(lang, recipient, transfer, on))
    return found


def unique(transfers: Iterable[TransferView]) -> list[TransferView]:
    """``transfers`` without repeats of the same recipient and country."""
    seen: dict[tuple[str, str], TransferView] = {}
    for transfer in transfers:
        seen.setdefault((transfer.recipient, transfer.country_code), transfer)
    return list(seen.values())
