"""Fuzzing the API from its own OpenAPI document (schemathesis): requests generated for
every operation, valid and not, sent as dora (the DPO, who reaches every handler) to the
application in process. No answer may be a server error, and every 4xx answer must be the
API's error object."""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi

from kluis.api.schemas import ErrorResponse
from tests.api.conftest import CANDIDATE, EMPLOYEE, store, token_for

#: Examples per operation and mode (valid, invalid): 27 operations, about 4,700 requests
#: (fewer than 100 for operations with little input to vary).
EXAMPLES = 100


@pytest.fixture
def api_schema(server: Any, client: Any) -> Any:
    """The API's schema, loaded from the application, over a vault that holds a few
    records, a request and a legal hold (so that ids 1 find something)."""
    dora = token_for(server, "dora")
    store(client, dora, CANDIDATE)
    store(client, dora, EMPLOYEE)
    filed = client.post(
        "/api/v1/requests",
        json={"kind": "access", "channel": "email", "identifiers": {"email": "an@example.be"}},
        headers=dora,
    )
    assert filed.status_code == 201, filed.text
    hold = client.post(
        "/api/v1/retention/holds", json={"activity": "payroll", "reason": "Audit"}, headers=dora
    )
    assert hold.status_code == 201, hold.text
    return schemathesis.openapi.from_asgi("/api/openapi.json", server)


@pytest.fixture
def dora(server: Any) -> dict[str, str]:
    """The Bearer header of a token of dora, the DPO."""
    return token_for(server, "dora")


def error_object(_ctx: Any, response: Any, _case: Any) -> bool | None:
    """A 4xx answer carries ``{"error": {code, message, status, details}}``."""
    if 400 <= response.status_code < 500:
        body = ErrorResponse.model_validate_json(response.content)
        assert body.error.status == response.status_code, response.content
        assert body.error.code, response.content
    return None


def _fuzz(
    operation: Any,
    mode: GenerationMode,
    session: Any,
    headers: dict[str, str],
    seen: Counter[tuple[str, int]],
) -> str | None:
    """Send ``EXAMPLES`` generated requests of ``operation``; the failure found, if any."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
    )
    def fuzz(case: Any) -> None:
        answer = case.call_and_validate(
            session=session, headers=dict(headers), checks=[not_a_server_error, error_object]
        )
        seen[(operation.label, answer.status_code)] += 1

    try:
        fuzz()
    except Unsatisfiable:
        # Only an operation without input has no wrong request to send.
        assert mode is GenerationMode.NEGATIVE, operation.label
    except Exception as failure:
        return f"{operation.label} ({mode.value}): {failure}"
    return None


def test_no_server_error_and_every_client_error_is_an_error_object(
    api_schema: Any, server: Any, dora: dict[str, str]
) -> None:
    seen: Counter[tuple[str, int]] = Counter()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20
    with asgi.get_client(server) as session:
        failures = [
            failure
            for operation, mode in itertools.product(operations, GenerationMode)
            if (failure := _fuzz(operation, mode, session, dora, seen)) is not None
        ]
    assert not failures, "\n\n".join(failures)
    # The requests reached the handlers: some succeeded, some were refused as invalid.
    statuses = {status for (_label, status) in seen}
    assert {200, 201, 404, 422} <= statuses, sorted(seen.items())
    assert sum(seen.values()) > 3000
