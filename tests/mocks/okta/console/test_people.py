"""Directory > People: users with their mobile phone, created and edited by form, with the users
API's validation messages on the form."""

from __future__ import annotations

from typing import Any

import pytest

from tests.mocks.okta.conftest import FakeHook, Org
from tests.mocks.okta.console.conftest import Console, text_of

ADD = "/admin/directory/people/add"


def person(**changes: str) -> dict[str, str]:
    fields = {
        "first_name": "Aroha",
        "last_name": "Ngata",
        "login": "aroha@example.co.nz",
        "email": "aroha@example.co.nz",
        "mobile_phone": "+64 21 123 4567",
    }
    fields.update(changes)
    return fields


def api_user(org: Org, login: str) -> dict[str, Any]:
    response = org.api("GET", f"/api/v1/users/{login}")
    assert response.status_code == 200, response.text
    user: dict[str, Any] = response.json()
    return user


def test_add_person_then_edit_the_mobile_phone(
    console: Console, org: Org, fake_hook: FakeHook
) -> None:
    response = console.post(ADD, person())
    assert response.url.endswith("/admin/directory/people")
    text = text_of(response.text)
    assert "aroha@example.co.nz added." in text and "+64 21 123 4567" in text and "Active" in text
    user = api_user(org, "aroha@example.co.nz")
    assert user["status"] == "ACTIVE"
    assert user["profile"]["mobilePhone"] == "+64 21 123 4567"
    edit = f"/admin/directory/people/{user['id']}"
    assert 'value="+64 21 123 4567"' in console.get(edit).text
    saved = console.post(edit, person(mobile_phone="021 765 4321"))
    assert "aroha@example.co.nz saved." in text_of(saved.text)
    assert api_user(org, user["id"])["profile"]["mobilePhone"] == "021 765 4321"
    # The flows use the number the console saved.
    org.create_hook(f"{fake_hook.url}/successful")
    org.flow(user["id"])
    import json

    sent = json.loads(fake_hook.received[-1]["body"])
    assert sent["data"]["messageProfile"]["phoneNumber"] == "021 765 4321"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"first_name": ""}, "first_name", "The field cannot be left blank"),
        ({"login": "   "}, "login", "The field cannot be left blank"),
        ({"email": "not-an-email"}, "email", "Does not match required pattern"),
        ({"login": "no at sign"}, "login", "Does not match required pattern"),
    ],
)
def test_validation_errors_are_shown_on_the_form(
    console: Console, org: Org, changes: dict[str, str], field: str, message: str
) -> None:
    response = console.post(ADD, person(**changes))
    assert response.status_code == 400
    text = text_of(response.text)
    assert message in text
    block = response.text.split(f'<label for="{field}">', 1)[0].rsplit('class="field', 1)[1]
    assert block.startswith(" invalid")
    assert org.api("GET", "/api/v1/users/aroha@example.co.nz").status_code == 404


def test_a_login_taken_is_refused_on_create_and_edit(console: Console, org: Org) -> None:
    console.post(ADD, person())
    taken = console.post(ADD, person(login="AROHA@example.co.nz"))
    assert taken.status_code == 400
    assert "An object with this field already exists in the current organization" in text_of(
        taken.text
    )
    other = org.create_user("bo@example.com")
    edit = console.post(f"/admin/directory/people/{other}", person(login="aroha@example.co.nz"))
    assert edit.status_code == 400
    assert api_user(org, other)["profile"]["login"] == "bo@example.com"
    # Saving oneself with one's own login is no conflict.
    own = console.post(
        f"/admin/directory/people/{other}",
        person(login="bo@example.com", email="bo@example.com", mobile_phone=""),
    )
    assert own.status_code == 200
    assert "mobilePhone" not in api_user(org, other)["profile"]


def test_hostile_profile_values_are_escaped(console: Console) -> None:
    hostile = "<script>alert(1)</script>"
    console.post(ADD, person(first_name=hostile, mobile_phone=hostile))
    page = console.get("/admin/directory/people").text
    assert hostile not in page and "&lt;script&gt;" in page
