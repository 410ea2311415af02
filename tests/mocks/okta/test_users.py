"""``/api/v1/users``: create and get by id or login."""

from __future__ import annotations

import re

from tests.mocks.okta.conftest import Org, assert_valid


def profile(login: str = "kiri@example.com", **extra: str) -> dict[str, str]:
    return {"firstName": "Kiri", "lastName": "Te", "email": login, "login": login, **extra}


def test_create_and_get_by_id_or_login(org: Org) -> None:
    created = org.api(
        "POST", "/api/v1/users?activate=true", json={"profile": profile(mobilePhone="+6421000111")}
    )
    assert created.status_code == 200, created.text
    user = created.json()
    assert re.fullmatch(r"00u[A-Za-z0-9]{17}", user["id"])
    assert user["status"] == "ACTIVE"
    assert user["profile"]["mobilePhone"] == "+6421000111"
    assert org.api("GET", f"/api/v1/users/{user['id']}").json() == user
    assert org.api("GET", "/api/v1/users/KIRI@example.com").json()["id"] == user["id"]


def test_staged_without_activation(org: Org) -> None:
    user = org.api("POST", "/api/v1/users?activate=false", json={"profile": profile()}).json()
    assert user["status"] == "STAGED" and user["activated"] is None


def test_errors(org: Org) -> None:
    org.api("POST", "/api/v1/users", json={"profile": profile()})
    duplicate = org.api("POST", "/api/v1/users", json={"profile": profile()})
    assert duplicate.status_code == 400
    assert_valid("okta/error", duplicate.json())
    assert "already exists" in duplicate.json()["errorCauses"][0]["errorSummary"]
    missing = org.api("POST", "/api/v1/users", json={"profile": {"login": "x@example.com"}})
    causes = [c["errorSummary"] for c in missing.json()["errorCauses"]]
    assert missing.status_code == 400 and len(causes) == 3
    assert org.api("POST", "/api/v1/users", json={}).json()["errorCode"] == "E0000001"
    not_found = org.api("GET", "/api/v1/users/00uNobody")
    assert not_found.status_code == 404 and not_found.json()["errorCode"] == "E0000007"
