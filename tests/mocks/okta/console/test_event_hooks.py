"""Workflow > Event Hooks by form: the API's rules and messages, Verify through the same
verification call (a real HTTPS receiver), the lifecycle buttons, hostile values escaped."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import pytest

from tests.mocks.okta.conftest import Org
from tests.mocks.okta.console.conftest import Console, text_of
from tests.mocks.okta.event_receiver import SECRET, Receiver, running_receiver

LIST = "/admin/workflow/event-hooks"
CREATE = f"{LIST}/create"
HOSTILE = '<script>alert("x")</script>'


@pytest.fixture(scope="module")
def receiver(server_tls: ssl.SSLContext) -> Iterator[Receiver]:
    with running_receiver(server_tls) as running:
        yield running


def fields(
    url: str, *events: str, name: str = "EZITXT conversion feedback"
) -> list[tuple[str, str]]:
    rows = [
        ("name", name),
        ("url", url),
        ("auth_field", "Authorization"),
        ("auth_secret", SECRET),
        ("header_key", "X-Tenant"),
        ("header_value", "acme"),
    ]
    return rows + [("events", e) for e in events or ("user.authentication.auth_via_mfa",)]


def only_hook(org: Org) -> dict[str, object]:
    (hook,) = org.api("GET", "/api/v1/eventHooks").json()
    assert isinstance(hook, dict)
    return hook


def test_menu_list_and_form(console: Console) -> None:
    home = console.get("/admin/")
    assert f'href="{LIST}"' in home.text and "Event Hooks" in text_of(home.text)
    empty = console.get(LIST)
    assert "No event hooks yet" in text_of(empty.text)
    form = console.get(CREATE)
    assert form.status_code == 200
    # The four events that mean "the user entered the code" come first, ticked.
    assert form.text.index('value="user.authentication.auth_via_mfa" checked') < form.text.index(
        'value="user.lifecycle.create"'
    )


def test_create_verify_deactivate_delete(console: Console, org: Org, receiver: Receiver) -> None:
    receiver.reset()
    created = console.post(CREATE, fields(f"{receiver.url}/ok"))
    assert created.url.endswith(LIST)
    assert "It is Active and Unverified" in text_of(created.text)
    hook = only_hook(org)
    assert (hook["status"], hook["verificationStatus"]) == ("ACTIVE", "UNVERIFIED")
    assert SECRET not in created.text

    verified = console.post(f"{LIST}/{hook['id']}/verify")
    assert "verified." in text_of(verified.text)
    assert only_hook(org)["verificationStatus"] == "VERIFIED"
    (call,) = receiver.gets()
    assert call.headers["authorization"] == SECRET and call.headers["x-tenant"] == "acme"

    refused = console.post(f"{LIST}/{hook['id']}/delete")
    assert "Only an INACTIVE event hook can be deleted" in text_of(refused.text)
    console.post(f"{LIST}/{hook['id']}/deactivate")
    assert only_hook(org)["status"] == "INACTIVE"
    deleted = console.post(f"{LIST}/{hook['id']}/delete")
    assert "deleted." in text_of(deleted.text)
    assert org.api("GET", "/api/v1/eventHooks").json() == []
    admins = {
        e["actor"]["alternateId"] for e in org.logs() if e["eventType"].startswith("event_hook.")
    }
    assert admins == {"admin@mock-okta.local"}


def test_a_failed_verify_says_why(console: Console, org: Org, receiver: Receiver) -> None:
    console.post(CREATE, fields(f"{receiver.url}/wrong"))
    hook = only_hook(org)
    answer = console.post(f"{LIST}/{hook['id']}/verify")
    assert "not verified: The endpoint's answer does not carry the verification value" in text_of(
        answer.text
    )
    assert only_hook(org)["verificationStatus"] == "UNVERIFIED"


def test_the_apis_rules_show_on_the_form(console: Console, org: Org) -> None:
    bad = [r for r in fields("http://127.0.0.1:9/events", name=HOSTILE) if r[0] != "events"]
    answer = console.post(CREATE, bad)
    assert answer.status_code == 400
    text = text_of(answer.text)
    assert "Api validation failed: eventHook" in text
    assert "The URI must use HTTPS" in text and "at least one event type is required" in text
    assert HOSTILE not in answer.text and "&lt;script&gt;" in answer.text
    assert org.api("GET", "/api/v1/eventHooks").json() == []
    assert console.post(CREATE, fields("https://127.0.0.1:9/x"), csrf=False).status_code == 403
