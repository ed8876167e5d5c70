"""A retention rule as a sentence: "seven years after the end of the financial year".

Numbers up to twelve are written in words, as careful legal prose does; larger numbers in
digits. The sentence is the same in the register and in the privacy notice (Art. 13(2)(a),
Art. 14(2)(a), Art. 30(1)(f)), so that both promise the same thing.
"""

from __future__ import annotations

from typing import Final

from kluis.documents.language import Lang
from kluis.documents.vocabulary import RETENTION_ACTIONS, RETENTION_EVENTS
from kluis.i18n import N_
from kluis.register.schema import Retention
from kluis.register.types import Duration

#: Numbers written in words (two to twelve; "one" depends on the unit, below).
_NUMBERS: Final[dict[int, str]] = {
    2: N_("two"),
    3: N_("three"),
    4: N_("four"),
    5: N_("five"),
    6: N_("six"),
    7: N_("seven"),
    8: N_("eight"),
    9: N_("nine"),
    10: N_("ten"),
    11: N_("eleven"),
    12: N_("twelve"),
}
#: Per unit: the phrase for one, and the phrase for more than one.
_UNITS: Final[dict[str, tuple[str, str]]] = {
    "years": (N_("one year"), N_("{n} years")),
    "months": (N_("one month"), N_("{n} months")),
    "weeks": (N_("one week"), N_("{n} weeks")),
    "days": (N_("one day"), N_("{n} days")),
}


def number(lang: Lang, n: int) -> str:
    """``n`` in words up to twelve, in digits above."""
    return lang.gettext(_NUMBERS[n]) if n in _NUMBERS else str(n)


def period(lang: Lang, duration: Duration) -> str:
    """A duration in words: ``P2Y6M`` is "two years and six months"."""
    parts = []
    for unit, (one, many) in _UNITS.items():
        n = getattr(duration, unit)
        if n == 1:
            parts.append(lang.gettext(one))
        elif n > 1:
            parts.append(lang.gettext(many, n=number(lang, n)))
    if not parts:
        none = _UNITS["days"][1]
        parts.append(lang.gettext(none, n="0"))
    return lang.join(parts)


def phrase(lang: Lang, retention: Retention) -> str:
    """The period and its starting event: "seven years after the end of the financial year"."""
    if retention.keep is None:
        return ""
    # "Only for the duration of the selection" is written P0D: kept until the event, no longer.
    zero = retention.keep == Duration()
    length = lang.gettext(N_("immediately")) if zero else period(lang, retention.keep)
    if retention.after is None:
        return length
    return lang.gettext(RETENTION_EVENTS[retention.after], period=length)


def describe(lang: Lang, retention: Retention | None) -> str:
    """The retention rule in one sentence, without its statutory basis."""
    if retention is None or (retention.keep is None and retention.review is None):
        return lang.gettext("No retention period has been set.")
    if retention.keep is None and retention.review is not None:
        sentence = lang.gettext(
            "no fixed period: the data are reviewed at intervals of {period} and kept only while "
            "needed",
            period=period(lang, retention.review),
        )
        return _capitalise(sentence) + "."
    sentence = f"{phrase(lang, retention)}, {lang.gettext(RETENTION_ACTIONS[retention.then])}"
    if retention.renew is not None:
        sentence = lang.gettext(
            "{retention}; after asking the person concerned, the period can be extended "
            "({period} more)",
            retention=sentence,
            period=period(lang, retention.renew),
        )
    return _capitalise(sentence) + "."


def _capitalise(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]
