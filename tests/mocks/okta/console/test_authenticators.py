"""Security > Authenticators: Phone (SMS) per use, stored in the backend and honoured by the
flows: a use whose SMS is off gets no challenge, no hook call and no SMS."""

from __future__ import annotations

from tests.mocks.okta.conftest import FakeHook, Org
from tests.mocks.okta.console.conftest import Console, text_of

PAGE = "/admin/security/authenticators"
ALL_ON = {"sms_sign-in": "on", "sms_enrolment": "on", "sms_recovery": "on"}


def test_a_new_org_has_sms_on_for_every_use(console: Console) -> None:
    page = console.get(PAGE).text
    text = text_of(page)
    assert "Confirm SMS is enabled in the relevant Okta authentication and recovery flows" in text
    for use in ("sign-in", "enrolment", "recovery"):
        assert f'id="sms_{use}" name="sms_{use}" value="on" checked' in page


def test_sms_off_for_sign_in_refuses_that_flow_only(
    console: Console, org: Org, fake_hook: FakeHook
) -> None:
    org.create_hook(f"{fake_hook.url}/successful")
    user = org.create_user()
    saved = console.post(PAGE, {"sms_enrolment": "on", "sms_recovery": "on"})
    assert "Phone authenticator saved." in text_of(saved.text)
    assert 'name="sms_sign-in" value="on">' in saved.text  # unchecked now
    refused = org.flow(user, requestType="mfa-verification")
    assert refused.status_code == 403
    body = refused.json()
    assert body["errorCode"] == "E0000006"
    assert body["errorCauses"] == [
        {
            "errorSummary": "Phone (SMS) is not enabled for sign-in (authentication) "
            "in Security > Authenticators"
        }
    ]
    assert fake_hook.received == []
    assert org.api("GET", "/_mock/flows").json() == []
    assert org.api("GET", "/_mock/fallback/messages").json() == []
    # Other uses, and voice, still send.
    assert org.flow(user, requestType="password-reset").json()["outcome"] == "SUCCESSFUL"
    org.clock.advance(31)
    voice = org.flow(user, requestType="mfa-verification", channel="voice call")
    assert voice.status_code == 200
    # The change is in the System Log.
    [change] = org.logs(filter='eventType eq "security.authenticator.lifecycle.update"')
    assert change["debugContext"]["debugData"]["sms.sign-in"] == "off"


def test_recovery_covers_password_reset_and_unlock(
    console: Console, org: Org, fake_hook: FakeHook
) -> None:
    org.create_hook(f"{fake_hook.url}/successful")
    user = org.create_user()
    console.post(PAGE, {"sms_sign-in": "on", "sms_enrolment": "on"})
    for request_type in ("password-reset", "account-unlock"):
        assert org.flow(user, requestType=request_type).status_code == 403
    assert org.flow(user, requestType="pre-enrollment").status_code == 200
    console.post(PAGE, ALL_ON)
    org.clock.advance(31)
    assert org.flow(user, requestType="account-unlock").json()["outcome"] == "SUCCESSFUL"


def test_sms_off_for_enrolment_refuses_pre_enrollment_only(
    console: Console, org: Org, fake_hook: FakeHook
) -> None:
    org.create_hook(f"{fake_hook.url}/successful")
    user = org.create_user()
    console.post(PAGE, {"sms_sign-in": "on", "sms_recovery": "on"})
    refused = org.flow(user, requestType="pre-enrollment")
    assert refused.status_code == 403 and refused.json()["errorCauses"] == [
        {"errorSummary": "Phone (SMS) is not enabled for enrolment in Security > Authenticators"}
    ]
    assert fake_hook.received == []
    assert org.flow(user, requestType="mfa-verification").json()["outcome"] == "SUCCESSFUL"


def test_reset_turns_sms_back_on(console: Console, org: Org) -> None:
    console.post(PAGE, {})
    assert org.api("POST", "/_mock/reset").status_code == 204
    page = console.get(PAGE).text
    assert page.count('value="on" checked') == 3
