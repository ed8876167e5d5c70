"""The consent log page: recent events and withdrawals, a page at a time, for staff."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from kluis.consent import WITHDRAWN, Channel, record_consent
from kluis.storage import transaction
from tests.conftest import DPO_ACTOR
from tests.web.test_dashboard import sign_in_en
from tests.web.test_retention_pages import _write


def test_recent_events_and_withdrawals(client: Any) -> None:
    written = _write(client.app, "newsletter", [{}] * 3)
    state = client.app.state.kluis
    with transaction(state.engine) as session:
        record_consent(
            session,
            DPO_ACTOR,
            written[0].subject_id,
            "newsletter",
            action=WITHDRAWN,
            channel=Channel.email,
            language="nl",
            given_at=state.clock.now() - timedelta(hours=1),
            at=state.clock.now(),
        )
    sign_in_en(client, "dora")
    page = client.get("/consent")
    assert page.status_code == 200
    assert page.text.count('href="/people/') == 4  # three given, one withdrawn
    withdrawn = client.get("/consent?action=withdrawn")
    assert withdrawn.text.count('href="/people/') == 1
    assert f'href="/people/{written[0].subject_id}"' in withdrawn.text
    assert "Suppression list" in page.text


def test_the_consent_log_is_for_staff(client: Any) -> None:
    sign_in_en(client, "mark")
    assert client.get("/consent").status_code == 403
