"""Where a consent stands: given, withdrawn, given again, expired, on an older text."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kluis.consent import State, standing
from kluis.consent.policy import GIVEN, WITHDRAWN, Event
from kluis.register.schema import ConsentPurpose

V1, V2 = date(2025, 1, 1), date(2026, 1, 1)


def _purpose(expires: str | None = None, version: date = V2) -> ConsentPurpose:
    return ConsentPurpose.model_validate(
        {
            "id": "newsletter",
            "text": {"en": "I want the newsletter"},
            "version": version.isoformat(),
            "expires": expires,
        }
    )


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([], State.none),
        ([Event(GIVEN, _at("2026-02-01"), V2)], State.valid),
        (
            [Event(GIVEN, _at("2026-02-01"), V2), Event(WITHDRAWN, _at("2026-03-01"), V2)],
            State.withdrawn,
        ),
        (
            [
                Event(GIVEN, _at("2026-02-01"), V2),
                Event(WITHDRAWN, _at("2026-03-01"), V2),
                Event(GIVEN, _at("2026-04-01"), V2),
            ],
            State.valid,
        ),
        ([Event(GIVEN, _at("2025-06-01"), V1)], State.outdated),  # the text changed since
    ],
)
def test_the_last_event_and_the_text_decide(events: list[Event], expected: State) -> None:
    assert standing(_purpose(), events, date(2026, 6, 1)).state is expected


def test_a_consent_expires_after_its_period() -> None:
    purpose = _purpose("P2Y")
    events = [Event(GIVEN, _at("2026-02-28"), V2)]
    now = standing(purpose, events, date(2028, 2, 27))
    assert (now.state, now.expires) == (State.valid, date(2028, 2, 27))
    assert standing(purpose, events, date(2028, 2, 28)).state is State.expired


def test_the_standing_keeps_the_last_dates() -> None:
    events = [
        Event(GIVEN, _at("2026-02-01"), V2),
        Event(WITHDRAWN, _at("2026-03-01"), V2),
        Event(GIVEN, _at("2026-04-01"), V2),
    ]
    now = standing(_purpose(), events, date(2026, 6, 1))
    assert (now.given, now.withdrawn, now.version) == (_at("2026-04-01"), _at("2026-03-01"), V2)


def test_an_accepted_older_text_still_stands() -> None:
    accepting = ConsentPurpose.model_validate(
        {"id": "newsletter", "text": {"en": "I want the newsletter"}, "version": "2026-01-01"}
        | {"accepts": [V1.isoformat()]}
    )
    events = [Event(GIVEN, _at("2025-06-01"), V1)]
    assert standing(accepting, events, date(2026, 6, 1)).state is State.valid
    older = [Event(GIVEN, _at("2024-06-01"), date(2024, 1, 1))]
    assert standing(accepting, older, date(2026, 6, 1)).state is State.outdated


def test_only_earlier_texts_can_be_accepted() -> None:
    with pytest.raises(ValueError, match="earlier versions only"):
        ConsentPurpose.model_validate(
            {"id": "newsletter", "text": {"en": "x"}, "version": "2026-01-01"}
            | {"accepts": ["2026-01-01"]}
        )
