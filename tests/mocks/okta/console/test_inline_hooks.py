"""Workflow > Inline Hooks by form: the same definitions, rules and messages as the management
API, hostile values escaped, and the Preview tab calling the hook as a flow does."""

from __future__ import annotations

import re
from typing import Any

import pytest

from mocks.okta.console.app import DEFAULT_USER
from mocks.okta.hook_rules import TELEPHONY
from tests.mocks.okta.conftest import AUTH_KEY, AUTH_VALUE, SHORT_TIMEOUT_S, FakeHook, Org
from tests.mocks.okta.console.conftest import Console, text_of

ADD = "/admin/workflow/inline-hooks/add/telephony"
HOSTILE = '<script>alert("x")</script>'


def form(hook_url: str, **changes: Any) -> list[tuple[str, str]]:
    fields = {
        "name": "EZITXT SMS",
        "url": hook_url,
        "auth_type": "HEADER",
        "auth_field": AUTH_KEY,
        "auth_secret": AUTH_VALUE,
    }
    fields.update(changes)
    rows = [(k, str(v)) for k, v in fields.items() if v is not None]
    for key, value in changes.get("headers_", [("X-Tenant", "acme")]):
        rows += [("header_key", key), ("header_value", value)]
    return [r for r in rows if r[0] != "headers_"]


FIELD_MARKERS = {
    "name": 'for="name"',
    "url": 'for="url"',
    "auth_type": 'id="auth-type"',
    "auth_field": 'for="auth_field"',
    "auth_secret": 'for="auth_secret"',
    "headers": 'id="custom-headers"',
    "oauth_token_url": 'for="oauth_token_url"',
}


def field_block(page: str, marker: str) -> str:
    """The markup of the one form field holding ``marker``, from its ``class="field…"`` on."""
    [block] = [b for b in page.split('class="field')[1:] if marker in b[:120]]
    return block


def hooks(org: Org) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = org.api("GET", "/api/v1/inlineHooks").json()
    return found


def add(console: Console, hook_url: str, **changes: Any) -> Any:
    return console.post(ADD, form(hook_url, **changes))


def test_add_inline_hook_telephony_registers_what_the_api_would(
    console: Console, org: Org, fake_hook: FakeHook
) -> None:
    response = add(console, f"{fake_hook.url}/successful")
    assert response.status_code == 200
    assert "Inline hook \u201cEZITXT SMS\u201d saved" in text_of(response.text)
    [hook] = hooks(org)
    assert hook["type"] == TELEPHONY and hook["status"] == "ACTIVE"
    config = hook["channel"]["config"]
    assert config["uri"] == f"{fake_hook.url}/successful"
    assert config["authScheme"] == {"type": "HEADER", "key": AUTH_KEY}
    assert config["headers"] == [{"key": "X-Tenant", "value": "acme"}]
    # The secret is the one typed: a sign-in sends it to the hook.
    user = org.create_user()
    assert org.flow(user).json()["outcome"] == "SUCCESSFUL"
    assert fake_hook.received[-1]["headers"][AUTH_KEY.lower()] == AUTH_VALUE
    assert fake_hook.received[-1]["headers"]["x-tenant"] == "acme"
    listing = text_of(console.get("/admin/workflow/inline-hooks").text)
    assert "EZITXT SMS Telephony Active" in listing
    [created] = org.logs(filter='eventType eq "inline_hook.created"')
    # The console's changes are the signed-in admin's, the API's the token owner's.
    assert created["actor"]["alternateId"] == DEFAULT_USER
    assert created["actor"]["displayName"] is None
    org.api("POST", f"/api/v1/inlineHooks/{hook['id']}/lifecycle/deactivate")
    [by_api] = org.logs(filter='eventType eq "inline_hook.deactivated"')
    assert by_api["actor"]["alternateId"] == "admin@mock-okta.local"
    assert by_api["actor"]["displayName"] == "Mock Okta Admin"


def test_the_secret_is_never_shown_back(console: Console, org: Org, fake_hook: FakeHook) -> None:
    add(console, f"{fake_hook.url}/successful")
    hook_id = hooks(org)[0]["id"]
    for path in ("", "/edit", "/preview"):
        page = console.get(f"/admin/workflow/inline-hooks/{hook_id}{path}").text
        assert AUTH_VALUE not in page


def test_hostile_values_are_escaped_everywhere(
    console: Console, org: Org, fake_hook: FakeHook
) -> None:
    add(console, f"{fake_hook.url}/successful", name=HOSTILE, headers_=[("X-Evil", HOSTILE)])
    hook_id = hooks(org)[0]["id"]
    pages = [
        "/admin/workflow/inline-hooks",
        f"/admin/workflow/inline-hooks/{hook_id}",
        f"/admin/workflow/inline-hooks/{hook_id}/edit",
        f"/admin/workflow/inline-hooks/{hook_id}/preview",
        f"/admin/workflow/inline-hooks/{hook_id}/delete",
        "/admin/",
        "/admin/reports/system-log",
    ]
    for path in pages:
        page = console.get(path).text
        assert HOSTILE not in page, path
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in console.get(pages[1]).text
    # and when the form comes back with an error, the typed values too
    page = add(console, "http://" + HOSTILE, name=HOSTILE).text
    assert HOSTILE not in page


@pytest.mark.parametrize(
    ("changes", "field_id", "message"),
    [
        ({"url": "http://127.0.0.1:9/hook"}, "url", "The URI must use HTTPS"),
        ({"url": "https://x/" + "a" * 1030}, "url", "The URI must be at most 1024 characters"),
        (
            {"auth_field": "", "auth_secret": ""},
            "auth_field",
            "A telephony inline hook requires an authScheme",
        ),
        ({"auth_field": "Bad Header"}, "auth_field", "does not match"),
        ({"auth_secret": ""}, "auth_secret", '"value" is a required property'),
        ({"name": ""}, "name", "shorter than 1 character"),
        ({"headers_": [("Bad Key", "v")]}, "headers", "does not match"),
        (
            {
                "auth_type": "OAUTH2",
                "oauth_client_id": "0oaj43vkrq7wKxZSI5e6",
                "oauth_client_secret": "s3cret",
                "oauth_token_url": "http://127.0.0.1:9/oauth2/default/v1/token",
            },
            "oauth_token_url",
            "The token URL must use HTTPS",
        ),
    ],
    ids=["https", "uri-length", "auth-required", "auth-field", "secret", "name", "header", "oauth"],
)
def test_each_rule_s_message_is_shown_on_the_form(
    console: Console,
    org: Org,
    fake_hook: FakeHook,
    changes: dict[str, Any],
    field_id: str,
    message: str,
) -> None:
    response = add(console, changes.pop("url", f"{fake_hook.url}/successful"), **changes)
    assert response.status_code == 400
    text = text_of(response.text)
    assert "Api validation failed: inlineHook" in text
    assert message in text
    # The message sits under its field too, not only in the summary box.
    block = field_block(response.text, FIELD_MARKERS[field_id])
    assert block.startswith(" invalid"), f"{field_id} is not marked invalid"
    assert message in text_of("<" + block)
    assert hooks(org) == []
    # What was typed is kept (but never the secret).
    if "name" not in changes:
        assert 'value="EZITXT SMS"' in response.text
    assert AUTH_VALUE not in response.text


def test_one_active_telephony_hook_and_delete_only_when_inactive(
    console: Console, org: Org, fake_hook: FakeHook
) -> None:
    add(console, f"{fake_hook.url}/successful")
    first = hooks(org)[0]["id"]
    second_try = add(console, f"{fake_hook.url}/pending", name="Second")
    assert second_try.status_code == 400
    assert f"Only one ACTIVE telephony inline hook is allowed per org ({first} is)" in text_of(
        second_try.text
    )
    base = f"/admin/workflow/inline-hooks/{first}"
    refused = console.post(f"{base}/delete")
    assert "Only an INACTIVE inline hook can be deleted; deactivate it first" in text_of(
        refused.text
    )
    assert len(hooks(org)) == 1
    assert "Inline hook \u201cEZITXT SMS\u201d deactivated." in text_of(
        console.post(f"{base}/deactivate").text
    )
    assert hooks(org)[0]["status"] == "INACTIVE"
    # With the first inactive, a second can be added; then the first cannot be activated.
    add(console, f"{fake_hook.url}/pending", name="Second")
    second = next(h["id"] for h in hooks(org) if h["name"] == "Second")
    page = text_of(console.post(f"{base}/activate").text)
    assert f"Only one ACTIVE telephony inline hook is allowed per org ({second} is)" in page
    confirm = text_of(console.get(f"{base}/delete").text)
    assert "Delete EZITXT SMS? This cannot be undone." in confirm
    deleted = console.post(f"{base}/delete")
    assert deleted.url.endswith("/admin/workflow/inline-hooks")
    assert "Inline hook \u201cEZITXT SMS\u201d deleted." in text_of(deleted.text)
    assert [h["id"] for h in hooks(org)] == [second]
    events = [e["eventType"] for e in org.logs()]
    for verb in ("created", "deactivated", "deleted"):
        assert f"inline_hook.{verb}" in events


def test_edit_keeps_the_secret_when_left_blank(
    console: Console, org: Org, fake_hook: FakeHook
) -> None:
    add(console, f"{fake_hook.url}/successful")
    hook_id = hooks(org)[0]["id"]
    edit = f"/admin/workflow/inline-hooks/{hook_id}/edit"
    page = console.get(edit).text
    assert 'value="EZITXT SMS"' in page and f'value="{fake_hook.url}/successful"' in page
    response = console.post(
        edit, form(f"{fake_hook.url}/pending", name="Renamed", auth_secret="", headers_=[])
    )
    assert "Inline hook \u201cRenamed\u201d saved." in text_of(response.text)
    [hook] = hooks(org)
    assert hook["name"] == "Renamed" and hook["channel"]["config"]["headers"] == []
    user = org.create_user()
    assert org.flow(user).json()["outcome"] == "PENDING"
    assert fake_hook.received[-1]["headers"][AUTH_KEY.lower()] == AUTH_VALUE
    # A new secret replaces it; a changed field without a secret is refused by the API's rule.
    console.post(edit, form(f"{fake_hook.url}/pending", name="Renamed", auth_secret="Basic bmV3"))
    org.clock.advance(31)
    org.flow(user)
    assert fake_hook.received[-1]["headers"][AUTH_KEY.lower()] == "Basic bmV3"
    refused = console.post(edit, form(fake_hook.url, auth_field="X-Other", auth_secret=""))
    assert refused.status_code == 400
    assert '"value" is a required property' in text_of(refused.text)


def test_preview_sends_the_sample_and_shows_the_answer(
    console: Console, org: Org, fake_hook: FakeHook
) -> None:
    add(console, f"{fake_hook.url}/successful")
    hook_id = hooks(org)[0]["id"]
    org.create_user(phone="+64219876543")
    preview = f"/admin/workflow/inline-hooks/{hook_id}/preview"
    first = console.get(preview)
    assert "Configure Inline Hook request" in text_of(first.text)
    generated = console.post(
        preview, {"action": "generate", "request_type": "password-reset", "channel": "SMS"}
    )
    body = re.search(r'<textarea name="request_body"[^>]*>(.*?)</textarea>', generated.text, re.S)
    assert body
    import html
    import json

    request_doc = json.loads(html.unescape(body.group(1)))
    assert request_doc["requestType"] == "com.okta.user.telephony.password-reset"
    assert request_doc["data"]["messageProfile"]["phoneNumber"] == "+64219876543"
    assert request_doc["source"].endswith(f"/api/v1/inlineHooks/{hook_id}")
    answered = console.post(preview, {"action": "send", "request_body": json.dumps(request_doc)})
    text = text_of(answered.text)
    assert "HTTP status 200" in text and "SUCCESSFUL" in text and "txn-ok-1" in text
    sent = json.loads(fake_hook.received[-1]["body"])
    assert sent == request_doc
    assert fake_hook.received[-1]["headers"][AUTH_KEY.lower()] == AUTH_VALUE
    # The preview is a hook call: the System Log has it; no SMS fallback, no flow.
    assert org.logs(filter='eventType eq "inline_hook.response.processed"')
    assert org.api("GET", "/_mock/flows").json() == []


@pytest.mark.parametrize(
    ("behaviour", "expected"),
    [
        ("unauthorized", ["HTTP status 401", "HTTP_ERROR", "Unauthorized"]),
        (f"slow?s={SHORT_TIMEOUT_S + 1}", ["HTTP status none", "TIMEOUT", "No answer within"]),
        ("malformed", ["HTTP status 200", "MALFORMED", "Body (not JSON)"]),
        ("error", ["ERROR", "This number cannot receive SMS", "fall back"]),
    ],
    ids=["401", "timeout", "not-json", "error-object"],
)
def test_preview_shows_a_failing_hook_as_okta_sees_it(
    console: Console, org: Org, fake_hook: FakeHook, behaviour: str, expected: list[str]
) -> None:
    add(console, f"{fake_hook.url}/{behaviour}")
    hook_id = hooks(org)[0]["id"]
    preview = f"/admin/workflow/inline-hooks/{hook_id}/preview"
    page = console.post(preview, {"action": "generate", "user": ""}).text
    body = re.search(r'<textarea name="request_body"[^>]*>(.*?)</textarea>', page, re.S)
    assert body
    import html

    text = text_of(
        console.post(preview, {"action": "send", "request_body": html.unescape(body.group(1))}).text
    )
    for words in expected:
        assert words in text


def test_preview_refuses_a_request_that_is_not_json(
    console: Console, org: Org, fake_hook: FakeHook
) -> None:
    add(console, f"{fake_hook.url}/successful")
    hook_id = hooks(org)[0]["id"]
    response = console.post(
        f"/admin/workflow/inline-hooks/{hook_id}/preview",
        {"action": "send", "request_body": "{not json"},
    )
    assert "The request body was not well-formed." in text_of(response.text)
    assert fake_hook.received == []


def test_an_unknown_hook_is_a_console_404(console: Console) -> None:
    response = console.get("/admin/workflow/inline-hooks/calNoSuchHook0000000")
    assert response.status_code == 404
    assert "Not found: Resource not found: calNoSuchHook0000000 (InlineHook)" in text_of(
        response.text
    )


def test_add_inline_hook_with_oauth_2_0(console: Console, org: Org, fake_hook: FakeHook) -> None:
    """Authentication type OAuth 2.0 (issue 12): an OAUTH channel; the client secret is
    write-only on the API and on the hook's page."""
    token_url = "https://acme.okta.example/oauth2/default/v1/token"
    response = add(
        console,
        f"{fake_hook.url}/successful",
        auth_type="OAUTH2",
        oauth_auth_type="client_secret_post",
        oauth_client_id="0oaj43vkrq7wKxZSI5e6",
        oauth_client_secret="the-console-client-secret",
        oauth_token_url=token_url,
        oauth_scope="ezitxt.hook",
    )
    assert response.status_code == 200, text_of(response.text)
    assert "the-console-client-secret" not in response.text
    [hook] = hooks(org)
    config = hook["channel"]["config"]
    assert hook["channel"]["type"] == "OAUTH"
    assert config["authType"] == "client_secret_post" and config["authScheme"] is None
    assert config["clientId"] == "0oaj43vkrq7wKxZSI5e6" and config["tokenUrl"] == token_url
    assert config["scope"] == "ezitxt.hook" and "clientSecret" not in config
    page = console.get(f"/admin/workflow/inline-hooks/{hook['id']}").text
    assert "OAuth 2.0" in text_of(page) and token_url in page
    assert "the-console-client-secret" not in page
