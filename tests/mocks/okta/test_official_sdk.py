"""Mock Okta driven by Okta's official Python SDK (PyPI ``okta``, v3, 3.4.6 and later) over a
real socket: the client QA actually use must work against the mock as it does against an org.

Two facts about the SDK (3.4.6) these tests rely on, checked in its source: its generated calls
send ``Authorization: SSWS<token>`` with no space (``Configuration.auth_settings``), and it
refuses an ``http://`` orgUrl unless its own testing setting ``testingDisableHttpsCheck`` is on,
which it reads from ``OKTA_TESTING_TESTINGDISABLEHTTPSCHECK`` only (its ``sslContext`` option
cannot carry a test CA: the SDK deep-copies its config, and an SSLContext does not copy). The
stack serves mock Okta over plain HTTP, so QA set that variable too.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest
from okta import models
from okta.client import Client
from okta.pagination import PaginationHelper

from tests.mocks.okta.conftest import AUTH_KEY, AUTH_VALUE, TOKEN, FakeHook, Org
from tests.mocks.okta.event_receiver import SECRET, Receiver, running_receiver

TELEPHONY = "com.okta.telephony.provider"
EVENT_TYPE = "user.authentication.auth_via_mfa"
T = TypeVar("T")


def run(call: Callable[[], Awaitable[T]]) -> T:
    """One SDK call on a fresh loop, bounded in time (the SDK opens a session per request)."""

    async def bounded() -> T:
        return await asyncio.wait_for(call(), timeout=20)

    return asyncio.run(bounded())


@pytest.fixture
def sdk(org: Org, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    monkeypatch.setenv("OKTA_TESTING_TESTINGDISABLEHTTPSCHECK", "true")
    yield Client({"orgUrl": org.url, "token": TOKEN, "rateLimit": {"maxRetries": 0}})


def http_hook(uri: str, name: str) -> dict[str, Any]:
    """The pieces of a telephony hook with header auth, as SDK models. Built with the models'
    constructors: the SDK's ``from_dict`` drops ``authScheme`` (3.4.6)."""
    config = models.InlineHookHttpConfigCreate(
        uri=uri,
        method="POST",
        headers=[models.InlineHookChannelConfigHeaders(key="X-Tenant", value="acme")],
        auth_scheme=models.InlineHookChannelConfigAuthSchemeBody(
            type="HEADER", key=AUTH_KEY, value=AUTH_VALUE
        ),
    )
    channel = models.InlineHookChannelHttpCreate(type="HTTP", version="1.0.0", config=config)
    return {"name": name, "channel": channel}


def ok(result: tuple[Any, ...]) -> Any:
    """The value of an SDK ``(value, response, error)`` answer, failing on its error."""
    value, _response, error = result
    assert error is None, error
    return value


def test_the_sdk_sends_ssws_without_a_space(sdk: Client) -> None:
    assert sdk.configuration.auth_settings()["oauth2"]["value"] == f"SSWS{TOKEN}"
    assert ok(run(lambda: sdk.list_inline_hooks())) == []


def test_telephony_hook_life_cycle(sdk: Client, org: Org, fake_hook: FakeHook) -> None:
    create = models.InlineHookCreate(
        type=TELEPHONY, version="1.0.0", **http_hook(f"{fake_hook.url}/successful", "EZITXT SMS")
    )
    created = ok(run(lambda: sdk.create_inline_hook(create)))
    hook_id = created.id
    assert (created.status, created.name) == ("ACTIVE", "EZITXT SMS")

    listed = ok(run(lambda: sdk.list_inline_hooks(type=TELEPHONY)))
    assert [h.id for h in listed] == [hook_id]
    got = ok(run(lambda: sdk.get_inline_hook(hook_id)))
    assert got.channel.config.uri == f"{fake_hook.url}/successful"
    assert [(h.key, h.value) for h in got.channel.config.headers] == [("X-Tenant", "acme")]

    renamed = models.InlineHookReplace(name="EZITXT SMS (renamed)")
    updated = ok(run(lambda: sdk.update_inline_hook(hook_id, renamed)))
    assert updated.name == "EZITXT SMS (renamed)"
    assert updated.channel.config.uri == f"{fake_hook.url}/successful"

    replacement = models.InlineHookReplace(
        version="1.0.0", **http_hook(f"{fake_hook.url}/pending", "EZITXT SMS v2")
    )
    replaced = ok(run(lambda: sdk.replace_inline_hook(hook_id, replacement)))
    assert (replaced.name, replaced.channel.config.uri) == (
        "EZITXT SMS v2",
        f"{fake_hook.url}/pending",
    )
    raw = org.api("GET", f"/api/v1/inlineHooks/{hook_id}").json()
    assert "value" not in raw["channel"]["config"]["authScheme"]  # write-only, as in Okta

    assert ok(run(lambda: sdk.deactivate_inline_hook(hook_id))).status == "INACTIVE"
    assert ok(run(lambda: sdk.activate_inline_hook(hook_id))).status == "ACTIVE"
    # Okta deletes only an INACTIVE hook: the SDK gets Okta's error for an active one.
    # (The SDK's answer tuples vary in length on errors; the error is always last.)
    error = run(lambda: sdk.delete_inline_hook(hook_id))[-1]
    assert error is not None and "E0000001" in str(error)
    ok(run(lambda: sdk.deactivate_inline_hook(hook_id)))
    _, response, error = run(lambda: sdk.delete_inline_hook(hook_id))
    assert error is None and response.status_code == 204
    missing = run(lambda: sdk.get_inline_hook(hook_id))[-1]
    assert missing is not None and "E0000007" in str(missing)

    # The hook the SDK registered is the one sign-in flows call.
    create_again = models.InlineHookCreate(
        type=TELEPHONY, version="1.0.0", **http_hook(f"{fake_hook.url}/successful", "again")
    )
    ok(run(lambda: sdk.create_inline_hook(create_again)))
    assert org.flow(org.create_user()).json()["outcome"] == "SUCCESSFUL"


def test_users_list_search_and_get(sdk: Client, org: Org) -> None:
    ana = org.create_user("ana@example.com", "+64211234567")
    kiri = org.create_user("kiri@example.com", "+64211234568")
    everyone = ok(run(lambda: sdk.list_users()))
    assert [u.id for u in everyone] == [ana, kiri]
    assert everyone[0].profile.mobile_phone == "+64211234567"
    found = ok(run(lambda: sdk.list_users(search='profile.login eq "KIRI@example.com"')))
    assert [u.id for u in found] == [kiri]
    filtered = ok(run(lambda: sdk.list_users(filter='profile.login eq "ana@example.com"')))
    assert [u.id for u in filtered] == [ana]
    assert [u.id for u in ok(run(lambda: sdk.list_users(q="kir")))] == [kiri]

    seen: list[str] = []
    first, response, error = run(lambda: sdk.list_users(limit=1))
    seen += [u.id for u in first]
    cursor = PaginationHelper.extract_next_cursor(response.headers)
    assert error is None and cursor == ana
    second, response, _ = run(lambda: sdk.list_users(limit=1, after=cursor))
    seen += [u.id for u in second]
    assert seen == [ana, kiri]
    assert PaginationHelper.extract_next_cursor(response.headers) is None

    assert ok(run(lambda: sdk.get_user(kiri))).profile.login == "kiri@example.com"
    assert ok(run(lambda: sdk.get_user("ana@example.com"))).id == ana


def test_system_log_pages_through_every_event(sdk: Client, org: Org, fake_hook: FakeHook) -> None:
    hook = org.create_hook(f"{fake_hook.url}/successful")
    user = org.create_user()
    for _ in range(2):
        org.api("POST", f"/api/v1/inlineHooks/{hook['id']}/lifecycle/deactivate")
        org.api("POST", f"/api/v1/inlineHooks/{hook['id']}/lifecycle/activate")
    org.flow(user)
    expected = [e["uuid"] for e in org.logs(since="2000-01-01T00:00:00Z")]
    assert len(expected) >= 7

    window = {"since": "2000-01-01T00:00:00Z", "until": "2100-01-01T00:00:00Z", "limit": 2}
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(20):
        events, response, error = run(lambda at=cursor: sdk.list_log_events(**window, after=at))
        assert error is None, error
        seen += [e.uuid for e in events]
        cursor = PaginationHelper.extract_next_cursor(response.headers)
        if cursor is None:
            break
    assert seen == expected
    sends = ok(
        run(
            lambda: sdk.list_log_events(
                **window, filter='eventType eq "system.sms.send_factor_verify_message"'
            )
        )
    )
    assert [e.outcome.result for e in sends] == ["SUCCESS"]


@pytest.fixture
def receiver(server_tls: ssl.SSLContext) -> Iterator[Receiver]:
    with running_receiver(server_tls) as running:
        yield running


def test_event_hook_life_cycle(sdk: Client, org: Org, receiver: Receiver) -> None:
    """The SDK's EventHookApi against the mock: create, list, get, verify, replace, the
    lifecycle and delete, with the models deserialising every answer."""
    config = models.EventHookChannelConfig(
        uri=f"{receiver.url}/ok",
        headers=[models.EventHookChannelConfigHeader(key="X-Tenant", value="acme")],
        auth_scheme=models.EventHookChannelConfigAuthScheme(
            type="HEADER", key="Authorization", value=SECRET
        ),
    )
    hook = models.EventHook(
        name="EZITXT conversion feedback",
        events=models.EventSubscriptions(type="EVENT_TYPE", items=[EVENT_TYPE]),
        channel=models.EventHookChannel(type="HTTP", version="1.0.0", config=config),
    )
    created = ok(run(lambda: sdk.create_event_hook(hook)))
    hook_id = created.id
    assert (created.status, created.verification_status) == ("ACTIVE", "UNVERIFIED")
    assert [h.id for h in ok(run(lambda: sdk.list_event_hooks()))] == [hook_id]
    got = ok(run(lambda: sdk.get_event_hook(hook_id)))
    assert got.events.items == [EVENT_TYPE] and got.channel.config.uri == f"{receiver.url}/ok"
    assert got.channel.config.auth_scheme.value is None  # write-only

    assert ok(run(lambda: sdk.verify_event_hook(hook_id))).verification_status == "VERIFIED"
    assert receiver.gets()[-1].headers["authorization"] == SECRET

    hook.name = "renamed"
    assert ok(run(lambda: sdk.replace_event_hook(hook_id, hook))).name == "renamed"
    assert ok(run(lambda: sdk.deactivate_event_hook(hook_id))).status == "INACTIVE"
    assert ok(run(lambda: sdk.activate_event_hook(hook_id))).status == "ACTIVE"
    error = run(lambda: sdk.delete_event_hook(hook_id))[-1]
    assert error is not None and "E0000001" in str(error)
    ok(run(lambda: sdk.deactivate_event_hook(hook_id)))
    _, response, error = run(lambda: sdk.delete_event_hook(hook_id))
    assert error is None and response.status_code == 204
