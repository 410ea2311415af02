"""``ezitxt-okta register`` and ``rotate`` against a real stack."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connector import cli
from tests.connector.admin.conftest import Admin


def test_register_creates_activates_and_a_second_run_changes_nothing(
    admin: Admin, capsys: pytest.CaptureFixture[str]
) -> None:
    assert admin.wiring is not None
    admin.okta.call(
        "deactivate", "POST", f"/api/v1/inlineHooks/{admin.wiring.hook_id}/lifecycle/deactivate"
    )
    admin.okta.call("delete", "DELETE", f"/api/v1/inlineHooks/{admin.wiring.hook_id}", ok=(204,))
    code, out = admin.run(capsys, "register")
    assert code == 0, out
    assert "created the telephony hook" in out and "Generate New Password" in out
    [hook] = admin.telephony_hooks()
    assert hook["status"] == "ACTIVE"
    assert hook["channel"]["config"]["uri"] == admin.stack.urls.hook
    assert admin.stack.api_token not in out and "characters, fingerprint" in out
    code, out = admin.run(capsys, "register")
    assert code == 0 and "already matches" in out, out
    assert [h["id"] for h in admin.telephony_hooks()] == [hook["id"]]
    code, out = admin.run(capsys, "doctor")
    assert code == 0, out


def test_register_fixes_a_wrong_url_and_warns_of_another_active_hook(
    admin: Admin, capsys: pytest.CaptureFixture[str]
) -> None:
    assert admin.wiring is not None
    hook_id = admin.wiring.hook_id
    admin.put_hook(uri=admin.stack.urls.connector + "/elsewhere")
    admin.okta.call("deactivate", "POST", f"/api/v1/inlineHooks/{hook_id}/lifecycle/deactivate")
    other = {
        "name": "Other SMS",
        "type": "com.okta.telephony.provider",
        "version": "1.0.0",
        "channel": {
            "type": "HTTP",
            "version": "1.0.0",
            "config": {
                "uri": "https://sms.example.invalid/hook",
                "method": "POST",
                "headers": [],
                "authScheme": {"type": "HEADER", "key": "Authorization", "value": "Basic eDp5"},
            },
        },
    }
    made = admin.okta.call("other hook", "POST", "/api/v1/inlineHooks", json=other)
    assert made["status"] == "ACTIVE"
    code, out = admin.run(capsys, "register")
    assert code == 1, out
    assert "updated the telephony hook" in out
    assert f"WARNING: another telephony hook is ACTIVE: 'Other SMS' {made['id']}" in out
    assert "NOT activated" in out and "--take-over" in out
    assert admin.hook()["channel"]["config"]["uri"] == admin.stack.urls.hook
    assert admin.hook()["status"] == "INACTIVE"
    code, out = admin.run(capsys, "register", "--take-over")
    assert code == 0, out
    assert f"deactivated {made['id']}" in out and f"activated {hook_id}" in out
    status = {h["id"]: h["status"] for h in admin.telephony_hooks()}
    assert status == {hook_id: "ACTIVE", made["id"]: "INACTIVE"}


def test_register_with_given_values(admin: Admin, capsys: pytest.CaptureFixture[str]) -> None:
    assert admin.wiring is not None
    secret = admin.wiring.auth_secret
    code, out = admin.run(
        capsys,
        "register",
        "--url",
        admin.stack.urls.hook,
        "--field",
        "Authorization",
        "--secret",
        secret,
    )
    assert code == 0, out
    assert "updated the telephony hook" in out and secret.split()[-1] not in out
    assert len(admin.telephony_hooks()) == 1


def test_rotate_then_a_sign_in_works(admin: Admin, capsys: pytest.CaptureFixture[str]) -> None:
    assert admin.wiring is not None
    before = admin.hook()["lastUpdated"]
    code, out = admin.run(capsys, "rotate")
    assert code == 0, out
    assert out.index("1. EZITXT") < out.index("2. Okta")
    assert "fail with HTTP 401" in out and "fails no call at all" in out
    assert admin.wiring.auth_secret.split()[-1] not in out
    assert admin.hook()["lastUpdated"] > before
    login = admin.wiring.user["profile"]["login"]
    flow = admin.control.call(
        "flow",
        "POST",
        "/_mock/flows",
        json={"user": login, "requestType": "mfa-verification", "channel": "SMS"},
    )
    assert flow["outcome"] == "SUCCESSFUL", flow
    code, out = admin.run(capsys, "doctor")
    assert code == 0, out


def make_oauth(admin: Admin) -> dict[str, Any]:
    """The wired hook made an OAUTH one, as ``stack --auth oauth`` registers it."""
    from mocks.stack import oauth_wiring

    assert admin.wiring is not None
    made = oauth_wiring.create_client(admin.control, admin.stack.urls.okta)
    # Mock Okta here takes https token URLs only; nothing in these tests asks it for a token.
    https_issuer = made.issuer.replace("http://", "https://", 1)
    client = oauth_wiring.OAuthClient(made.client_id, made.client_secret, https_issuer)
    body = oauth_wiring.oauth_hook_body(
        admin.hook()["name"], {"url": admin.stack.urls.hook}, client
    )
    admin.okta.call("replace hook", "PUT", f"/api/v1/inlineHooks/{admin.wiring.hook_id}", json=body)
    return admin.hook()


def password_generated_at(admin: Admin) -> str:
    app = admin.ezitxt.call("application", "GET", "/api/applications/okta-inline-hook")
    return str(app["authenticationDetails"]["passwordGeneratedAt"])


def test_rotate_refuses_an_oauth_hook_and_changes_nothing(
    admin: Admin, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: a new EZITXT password (every SMS refused until the connector's settings held
    it) and the OAUTH hook overwritten with a HEADER one the connector's oauth mode refuses."""
    hook = make_oauth(admin)
    generated = password_generated_at(admin)
    code = cli.main(["rotate", "--workdir", str(admin.workdir)])
    err = capsys.readouterr().err
    assert code == 1
    assert "authenticates with OAuth 2.0" in err and "Nothing was changed" in err
    assert "EZITXT_HOOK_OAUTH_CLIENTS" in err
    assert admin.hook() == hook
    assert password_generated_at(admin) == generated


def test_register_leaves_an_oauth_hook_as_it_is(
    admin: Admin, capsys: pytest.CaptureFixture[str]
) -> None:
    hook = make_oauth(admin)
    generated = password_generated_at(admin)
    code, out = admin.run(capsys, "register")
    assert code == 0, out
    assert "already matches EZITXT's URL; it authenticates with OAuth 2.0" in out
    assert admin.hook() == hook and password_generated_at(admin) == generated
    given = ["--url", admin.stack.urls.hook, "--field", "Authorization", "--secret", "Basic eDp5"]
    code = cli.main(["register", "--workdir", str(admin.workdir), *given])
    assert code == 1
    assert "Nothing was changed" in capsys.readouterr().err
    assert admin.hook() == hook


def test_doctor_reads_an_oauth_hook_without_a_false_cross(
    admin: Admin, capsys: pytest.CaptureFixture[str]
) -> None:
    make_oauth(admin)
    code, out = admin.run(capsys, "doctor", "--json")
    doc = json.loads(out)
    assert code == 0, out
    checks = {check["name"]: check for check in doc["checks"]}
    assert checks["authentication is OAuth 2.0"]["status"] == "pass"
    assert checks["secret copied into Okta"]["status"] == "skip"
    assert "client_secret_post" in checks["authentication is OAuth 2.0"]["detail"]


def test_a_masked_secret_tells_two_secrets_of_one_application_apart() -> None:
    """The first characters did not: the base64 of ``okta-inline-hook:`` starts every one."""
    import base64

    from connector.admin.hooks import mask_secret

    first, second = (
        "Basic " + base64.b64encode(f"okta-inline-hook:{password}".encode()).decode()
        for password in ("Pa55word-one-0123456789", "Pa55word-two-0123456789")
    )
    assert mask_secret(first) != mask_secret(second)
    for secret in (first, second):
        token = secret.split()[1]
        masked = mask_secret(secret)
        assert masked.startswith("Basic … (") and f"{len(token)} characters" in masked
        assert not any(token[i : i + 4] in masked for i in range(len(token) - 3))


def sign_in(admin: Admin) -> dict[str, Any]:
    assert admin.wiring is not None
    login = admin.wiring.user["profile"]["login"]
    body = {"user": login, "requestType": "mfa-verification", "channel": "SMS"}
    flow: dict[str, Any] = admin.control.call("flow", "POST", "/_mock/flows", json=body)
    return flow


def failing_okta_updates(monkeypatch: pytest.MonkeyPatch, failures: int) -> list[int]:
    """Okta's hook update answers HTTP 503 ``failures`` times (then as usual): the one fault
    the stack cannot be told to make. Returns the list of attempts, for counting."""
    from connector.admin import rotate
    from connector.admin.okta_client import Okta, OktaError

    attempts: list[int] = []
    replace = Okta.replace_hook

    def flaky(self: Okta, hook_id: str, body: dict[str, Any]) -> dict[str, Any]:
        attempts.append(1)
        if len(attempts) <= failures:
            raise OktaError("update inline hook", 503, "E0000009 Internal Server Error")
        return replace(self, hook_id, body)

    monkeypatch.setattr(Okta, "replace_hook", flaky)
    monkeypatch.setattr(rotate, "RETRY_WAITS_S", (0.0, 0.0))
    return attempts


def test_rotate_retries_an_okta_update_that_failed(
    admin: Admin, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts = failing_okta_updates(monkeypatch, failures=2)
    code, out = admin.run(capsys, "rotate")
    assert code == 0, out
    assert len(attempts) == 3 and out.count("the hook update failed (Okta update inline") == 2
    assert sign_in(admin)["outcome"] == "SUCCESSFUL"


def test_rotate_that_cannot_update_okta_says_every_call_fails_until_it_runs_again(
    admin: Admin, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: a traceback-free one-liner with Okta's error and nothing about the state left
    behind (EZITXT's new password, the old one in Okta: every SMS refused)."""
    attempts = failing_okta_updates(monkeypatch, failures=99)
    code = cli.main(["rotate", "--workdir", str(admin.workdir)])
    captured = capsys.readouterr()
    assert code == 1 and len(attempts) == 3
    assert "still holds the old one" in captured.err and "HTTP 401" in captured.err
    assert "run `ezitxt-okta rotate` again" in captured.err
    assert sign_in(admin)["outcome"] != "SUCCESSFUL"  # what the message says, true
    monkeypatch.undo()
    code, out = admin.run(capsys, "rotate")
    assert code == 0, out
    assert sign_in(admin)["outcome"] == "SUCCESSFUL"


def test_register_for_an_application_ezitxt_does_not_have_yet(
    admin: Admin, capsys: pytest.CaptureFixture[str]
) -> None:
    """The guide's first steps: the application made and a password generated (it has none),
    then the hook written with its secret; a second run changes nothing, and a sign-in works
    with the new application's credentials."""
    code, out = admin.run(capsys, "register", "--application", "fresh-app")
    assert code == 0, out
    assert "created the application 'fresh-app'" in out and "Generate New Password" in out
    assert "updated the telephony hook" in out
    app = admin.ezitxt.call("application", "GET", "/api/applications/fresh-app")
    assert app["authenticationDetails"]["passwordGenerated"] is True
    assert len(admin.telephony_hooks()) == 1
    code, out = admin.run(capsys, "register", "--application", "fresh-app")
    assert code == 0 and "already matches" in out, out
    flow = sign_in(admin)
    assert flow["outcome"] == "SUCCESSFUL", json.dumps(flow)
    report = admin.ezitxt.call(
        "report", "GET", "/api/reports/mobile", params={"application": "fresh-app"}
    )
    assert report["total"] == 1  # sent with the new application's password
    code, out = admin.run(capsys, "doctor", "--application", "fresh-app")
    assert code == 0, out


def test_static_mode_rotates_with_register_and_no_failed_sign_in_and_rotate_would_break_it(
    admin: Admin, capsys: pytest.CaptureFixture[str]
) -> None:
    """What ``rotate --help`` says of the connector's ``static`` mode, done against the stack:
    the next value beside the current one, ``register --secret NEXT``, the old value dropped,
    a sign-in working at every step; then ``rotate`` run there anyway breaks sign-ins, which is
    why its help says not to."""
    import secrets

    assert admin.wiring is not None
    ezitxt_secret = admin.wiring.auth_secret
    # A urlsafe secret may begin with "-" (1 in 64): given as --secret=VALUE, as the help says;
    # `following` always does, so that form is what is tested.
    current, following = secrets.token_urlsafe(32), "-" + secrets.token_urlsafe(31)
    given = ["--url", admin.stack.urls.hook, "--field", admin.wiring.auth_field]

    def connector_static(*values: str) -> None:
        table = json.dumps({value: ezitxt_secret for value in values})
        env = {"EZITXT_HOOK_AUTH_MODES": "static", "EZITXT_HOOK_STATIC_SECRETS": table}
        admin.stack.configure_connector(env)

    try:
        connector_static(current)
        assert admin.run(capsys, "register", *given, f"--secret={current}")[0] == 0
        assert sign_in(admin)["outcome"] == "SUCCESSFUL"
        connector_static(current, following)  # both live
        assert sign_in(admin)["outcome"] == "SUCCESSFUL"
        code, out = admin.run(capsys, "register", *given, f"--secret={following}")
        assert code == 0 and following not in out, out
        assert sign_in(admin)["outcome"] == "SUCCESSFUL"
        connector_static(following)  # the old value dropped
        assert sign_in(admin)["outcome"] == "SUCCESSFUL"
        code, out = admin.run(capsys, "rotate")  # EZITXT's password put where `following` was
        assert code == 0, out
        assert sign_in(admin)["outcome"] != "SUCCESSFUL"
    finally:
        admin.stack.configure_connector({"EZITXT_HOOK_AUTH_MODES": "passthrough"})
    with pytest.raises(SystemExit):
        cli.main(["rotate", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "Not for a connector in `static` mode" in help_text
    assert "ezitxt-okta register --url URL --field FIELD --secret NEXT" in help_text


def test_register_with_given_values_needs_only_the_okta_org(
    admin: Admin,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """The values copied from EZITXT's portal pages: no portal API and no stack needed. Before:
    exit 2, "no running stack under var/". rotate cannot do without EZITXT (it must Generate
    New Password there) and says so."""
    from tests.connector.admin.test_doctor import okta_alone

    assert admin.wiring is not None
    path = f"/api/v1/inlineHooks/{admin.wiring.hook_id}"
    admin.okta.call("deactivate", "POST", f"{path}/lifecycle/deactivate")
    admin.okta.call("delete", "DELETE", path, ok=(204,))
    org = okta_alone(admin, monkeypatch, tmp_path)
    values = ["--url", admin.stack.urls.hook, "--field", admin.wiring.auth_field]
    code = cli.main(["register", *org, *values, "--secret", admin.wiring.auth_secret])
    out = capsys.readouterr().out
    assert code == 0, out
    [hook] = admin.telephony_hooks()
    assert hook["status"] == "ACTIVE" and "created the telephony hook" in out
    assert sign_in(admin)["outcome"] == "SUCCESSFUL"
    assert cli.main(["rotate", *org]) == 2
    assert "--ezitxt-url" in capsys.readouterr().err


def test_register_that_cannot_write_the_hook_after_a_new_password_says_so(
    admin: Admin, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hook must be rewritten (a wrong URL), so register generates a new password, then
    Okta refuses the update: it says what state that leaves, and a second run mends it."""
    admin.put_hook(uri=admin.stack.urls.connector + "/elsewhere")
    failing_okta_updates(monkeypatch, failures=99)
    code = cli.main(["register", "--workdir", str(admin.workdir)])
    err = capsys.readouterr().err
    assert code == 1
    assert "EZITXT has a new password" in err and "run `ezitxt-okta register` again" in err
    monkeypatch.undo()
    code, out = admin.run(capsys, "register")
    assert code == 0, out
    assert sign_in(admin)["outcome"] == "SUCCESSFUL"
