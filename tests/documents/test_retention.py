"""Retention rules as sentences, the same in the register and the notice."""

from __future__ import annotations

import pytest

from kluis.documents.language import Lang
from kluis.documents.retention import describe, period, phrase
from kluis.register.schema import Retention, RetentionAction, RetentionEvent
from kluis.register.types import Duration


def lang(code: str) -> Lang:
    return Lang.of(code, first_language="nl", country="BE")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("nl", "zeven jaar na het einde van het boekjaar"),
        ("en", "seven years after the end of the financial year"),
        ("fr", "sept ans après la fin de l'exercice comptable"),
    ],
)
def test_seven_years_after_the_financial_year(code: str, expected: str) -> None:
    rule = Retention(keep=Duration(years=7), after=RetentionEvent.fiscal_year_end)
    assert phrase(lang(code), rule) == expected
    assert describe(lang(code), rule).lower().startswith(expected)


@pytest.mark.parametrize(
    ("code", "text", "expected"),
    [
        ("en", "P1Y", "one year"),
        ("fr", "P1Y", "un an"),
        ("fr", "P1W", "une semaine"),
        ("nl", "P2Y6M", "twee jaar en zes maanden"),
        ("en", "P2Y6M", "two years and six months"),
        ("fr", "P2Y6M", "deux ans et six mois"),
        ("nl", "P4W", "vier weken"),
        ("en", "P30D", "30 days"),
        ("fr", "P12M", "douze mois"),
        ("en", "P13M", "13 months"),
    ],
)
def test_periods_in_words(code: str, text: str, expected: str) -> None:
    assert period(lang(code), Duration.parse(text)) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("nl", "onmiddellijk na het einde van de selectieprocedure"),
        ("en", "immediately after the end of the selection procedure"),
        ("fr", "immédiatement après la fin de la procédure de sélection"),
    ],
)
def test_no_period_means_at_the_event_itself(code: str, expected: str) -> None:
    rule = Retention(keep=Duration(), after=RetentionEvent.selection_end)
    assert phrase(lang(code), rule) == expected


def test_action_renewal_and_review() -> None:
    rule = Retention(
        keep=Duration(years=2),
        after=RetentionEvent.selection_end,
        then=RetentionAction.anonymize,
        renew=Duration(years=2),
    )
    assert describe(lang("en"), rule) == (
        "Two years after the end of the selection procedure, then anonymised; after asking "
        "the person concerned, the period can be extended (two years more)."
    )
    review = Retention(review=Duration(years=1))
    assert "reviewed at intervals of one year" in describe(lang("en"), review)
    assert describe(lang("nl"), None) == "Er is geen bewaartermijn vastgelegd."
