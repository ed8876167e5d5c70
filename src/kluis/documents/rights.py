"""Which rights of Art. 15-22 apply, derived from each activity's legal basis.

Pure: activities in, rights out. The privacy notice shows exactly the rights this module
returns, so that the notice promises neither more nor less than the law gives:

- access (Art. 15), rectification (16), erasure (17) and restriction (18) always apply;
  erasure is limited where the basis is a legal obligation (Art. 17(3)(b));
- portability (20) only for consent (6(1)(a), 9(2)(a)) and contract (6(1)(b));
- objection (21(1)) only for legitimate interests (6(1)(f)) and public task (6(1)(e));
- the absolute right to object to direct marketing (21(2)-(3)), shown separately
  (21(4)), where an activity is direct marketing (:mod:`kluis.register.marketing`);
- withdrawal of consent (7(3)) where consent or explicit consent is relied on;
- the rights of Art. 22(3) where an activity takes automated decisions.

The right to complain to a supervisory authority (77) and to go to court (79) always apply.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from kluis.register.marketing import is_direct_marketing
from kluis.register.schema import Activity, LegalBasis, SpecialCondition


class Right(StrEnum):
    """A right of the data subject, in the order the notice explains them."""

    access = "access"
    rectification = "rectification"
    erasure = "erasure"
    restriction = "restriction"
    portability = "portability"
    objection = "objection"
    marketing_objection = "marketing_objection"
    withdraw_consent = "withdraw_consent"
    automated_decisions = "automated_decisions"


ALWAYS: Final = (Right.access, Right.rectification, Right.erasure, Right.restriction)


def _basis(activity: Activity) -> LegalBasis | None:
    return activity.legal_basis.basis if activity.legal_basis else None


def relies_on_consent(activity: Activity) -> bool:
    """Whether the activity relies on consent (Art. 6(1)(a)) or explicit consent (9(2)(a))."""
    special = activity.special_categories
    explicit = special is not None and special.condition is SpecialCondition.explicit_consent
    return _basis(activity) is LegalBasis.consent or explicit


def rights_for(activity: Activity) -> tuple[Right, ...]:
    """The rights that apply to one activity, in the notice's order."""
    basis = _basis(activity)
    rights: list[Right] = list(ALWAYS)
    if relies_on_consent(activity) or basis is LegalBasis.contract:
        rights.append(Right.portability)
    if basis in (LegalBasis.legitimate_interests, LegalBasis.public_task):
        rights.append(Right.objection)
    if is_direct_marketing(activity):
        rights.append(Right.marketing_objection)
    if relies_on_consent(activity):
        rights.append(Right.withdraw_consent)
    if activity.automated_decisions is not None:
        rights.append(Right.automated_decisions)
    return tuple(rights)


def erasure_limited(activity: Activity) -> bool:
    """Whether erasure is refused while a legal obligation to keep the data runs (17(3)(b))."""
    return _basis(activity) is LegalBasis.legal_obligation


@dataclass(frozen=True)
class RightsPlan:
    """The rights a notice explains, and for each limited right the activities it covers."""

    rights: tuple[Right, ...]
    activities: dict[Right, tuple[str, ...]]
    erasure_limited: tuple[str, ...]

    def applies(self, right: Right) -> bool:
        """Whether ``right`` applies to at least one activity."""
        return right in self.rights


def plan(activities: Iterable[Activity]) -> RightsPlan:
    """The rights that apply to any of ``activities`` and which activities each covers."""
    activities = list(activities)
    covered: dict[Right, list[str]] = {right: [] for right in Right}
    for activity in activities:
        for right in rights_for(activity):
            covered[right].append(activity.id)
    rights = tuple(right for right in Right if covered[right])
    return RightsPlan(
        rights=rights,
        activities={right: tuple(covered[right]) for right in rights},
        erasure_limited=tuple(a.id for a in activities if erasure_limited(a)),
    )
