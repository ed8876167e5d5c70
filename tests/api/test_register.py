"""``/api/v1/register``: the applied register as data, its versions, its findings."""

from __future__ import annotations

from typing import Any


def test_the_register_needs_a_caller(client: Any) -> None:
    for path in ("/api/v1/register", "/api/v1/register/versions", "/api/v1/register/findings"):
        answer = client.get(path)
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "unauthenticated"


def test_the_applied_register_lists_activities_with_fields_and_roles(
    client: Any, as_user: Any
) -> None:
    answer = client.get("/api/v1/register", headers=as_user("rik"))
    assert answer.status_code == 200
    body = answer.json()
    assert body["version"] == 1
    assert body["organisation"]["name"] == "Testwerving BV"
    assert body["organisation"]["languages"] == ["nl", "en", "fr"]
    activities = {item["id"]: item for item in body["activities"]}
    assert list(activities) == ["candidates", "payroll", "newsletter", "intake"]
    candidates = activities["candidates"]
    assert candidates["access"] == ["recruiter"]
    assert candidates["legal_basis"]["basis"] == "legitimate_interests"
    assert candidates["retention"] == {
        "keep": "P2Y",
        "after": "selection_end",
        "then": "erase",
        "renew": None,
        "review": None,
        "basis": None,
    }
    fields = {field["name"]: field for field in candidates["fields"]}
    assert fields["email"] == {
        "name": "email",
        "category": "user.contact.email",
        "identifier": True,
    }
    assert fields["name"]["identifier"] is False
    assert activities["newsletter"]["legal_basis"]["consent"] == "newsletter"
    assert body["consent_purposes"][0]["id"] == "newsletter"


def test_one_activity_and_an_unknown_one(client: Any, as_user: Any) -> None:
    found = client.get("/api/v1/register/activities/payroll", headers=as_user("mark"))
    assert found.status_code == 200
    assert found.json()["purposes"] == [{"nl": "Lonen betalen", "en": "Paying wages"}]
    missing = client.get("/api/v1/register/activities/nothing", headers=as_user("mark"))
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert "nothing" in missing.json()["error"]["message"]


def test_versions_are_paginated(client: Any, as_user: Any) -> None:
    answer = client.get("/api/v1/register/versions?per_page=1", headers=as_user("ada"))
    assert answer.json()["total"] == 1
    assert answer.json()["items"][0]["origin"] == "vault-register.yaml"
    beyond = client.get("/api/v1/register/versions?page=2&per_page=1", headers=as_user("ada"))
    assert beyond.json() == {"items": [], "total": 1, "page": 2, "per_page": 1}


def test_findings_of_the_applied_version_filter_and_page(client: Any, as_user: Any) -> None:
    dora = as_user("dora")
    errors = client.get("/api/v1/register/findings?severity=error", headers=dora).json()
    assert errors["total"] == 1
    (finding,) = errors["items"]
    assert finding["code"] == "KL306"
    assert finding["path"].startswith("activities.3.")
    assert "intake" in finding["message"]
    everything = client.get("/api/v1/register/findings?per_page=5", headers=dora).json()
    assert everything["total"] > 5 and len(everything["items"]) == 5
    second = client.get("/api/v1/register/findings?per_page=5&page=2", headers=dora).json()
    assert second["items"] != everything["items"]
    by_code = client.get("/api/v1/register/findings?code=KL106", headers=dora).json()
    assert by_code["total"] == 4 and {f["code"] for f in by_code["items"]} == {"KL106"}
    dutch = client.get(
        "/api/v1/register/findings?severity=error", headers={**dora, "Accept-Language": "nl"}
    ).json()
    assert dutch["items"][0]["message"] != finding["message"]


def test_bad_pagination_is_an_error_object_with_field_paths(client: Any, as_user: Any) -> None:
    answer = client.get(
        "/api/v1/register/findings?per_page=101&page=0&severity=fatal", headers=as_user("dora")
    )
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "invalid_input" and error["status"] == 422
    fields = {detail["field"] for detail in error["details"]}
    assert fields == {"query.per_page", "query.page", "query.severity"}
