"""``ezitxt-okta doctor`` against a real stack: all ✓ when wired, and each ✗ produced by breaking
exactly that one thing."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from connector import cli
from connector.admin import checks as c
from connector.admin.diagnose import classify_execute, failure_cause
from tests.connector.admin.conftest import Admin

REJECTED_NUMBER = "+64210000001"  # mock EZITXT's handset that rejects every SMS
GOOD_NUMBER = "+64211234567"


def doctor(
    admin: Admin, capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, dict[str, Any]]:
    code, out = admin.run(capsys, "doctor", "--json", *argv)
    return code, json.loads(out)


def failed(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["name"]: check for check in doc["checks"] if check["status"] == "fail"}


def test_a_freshly_wired_stack_passes_every_check(
    admin: Admin, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = admin.run(capsys, "doctor")
    assert code == 0, out
    assert "✗" not in out and out.count("✓") >= 7
    assert "give --test-number" in out  # the real try is skipped with a note
    assert admin.stack.api_token not in out
    assert admin.wiring is not None and admin.wiring.auth_secret.split()[-1] not in out


def test_a_deactivated_hook(admin: Admin, capsys: pytest.CaptureFixture[str]) -> None:
    assert admin.wiring is not None
    admin.okta.call(
        "deactivate", "POST", f"/api/v1/inlineHooks/{admin.wiring.hook_id}/lifecycle/deactivate"
    )
    code, doc = doctor(admin, capsys)
    assert code == 1
    assert list(failed(doc)) == ["telephony hook exists and is ACTIVE"]
    assert failed(doc)["telephony hook exists and is ACTIVE"]["fix"] == c.FIX_INACTIVE


def test_a_hook_url_that_is_not_ezitxts(admin: Admin, capsys: pytest.CaptureFixture[str]) -> None:
    admin.put_hook(uri=admin.stack.urls.connector + "/elsewhere")
    code, doc = doctor(admin, capsys)
    assert code == 1
    assert list(failed(doc)) == ["hook URL equals EZITXT's Okta Setup Values URL"]


def test_a_hook_field_that_is_not_the_authentication_field(
    admin: Admin, capsys: pytest.CaptureFixture[str]
) -> None:
    admin.put_hook(key="X-Api-Key")
    code, doc = doctor(admin, capsys)
    assert code == 1
    assert list(failed(doc)) == ["authentication is HTTP headers with the Authentication Field"]


def test_a_new_ezitxt_password_not_copied_into_okta(
    admin: Admin, capsys: pytest.CaptureFixture[str]
) -> None:
    admin.ezitxt.call(
        "Generate New Password", "POST", "/api/applications/okta-inline-hook/password"
    )
    code, doc = doctor(admin, capsys)
    assert code == 1
    assert list(failed(doc)) == ["secret copied into Okta"]
    check = failed(doc)["secret copied into Okta"]
    assert "after the hook was last updated in Okta" in check["detail"]
    assert check["fix"].startswith("the updated secret was not copied into Okta")
    # Tried for real, the old secret is refused, and the System Log says so by cause.
    code, doc = doctor(admin, capsys, "--test-number", GOOD_NUMBER)
    found = failed(doc)
    assert found["secret tried for real (one SMS)"]["fix"] == c.FIX_401
    assert found["System Log: telephony hook failures"]["detail"] == "1 × HTTP 401: " + c.FIX_401


def test_a_user_whose_number_cannot_be_normalised(
    admin: Admin, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = {
        "firstName": "Bad",
        "lastName": "Number",
        "login": "bad.number@example.co.nz",
        "email": "bad.number@example.co.nz",
        "mobilePhone": "021 12 3457 89 99",
    }
    admin.okta.call("create user", "POST", "/api/v1/users?activate=true", json={"profile": profile})
    code, doc = doctor(admin, capsys)
    assert code == 1
    check = failed(doc)["users' mobile numbers can be normalised"]
    assert list(failed(doc)) == ["users' mobile numbers can be normalised"]
    assert check["detail"] == "bad.number@example.co.nz (***999)"
    assert check["fix"] == c.FIX_NUMBER


def test_sms_off_for_one_authenticator_use(
    admin: Admin, capsys: pytest.CaptureFixture[str]
) -> None:
    admin.control.call(
        "SMS off", "POST", "/_mock/authenticators/phone", json={"sms": {"recovery": False}}
    )
    try:
        code, doc = doctor(admin, capsys)
    finally:
        admin.control.call(
            "SMS on", "POST", "/_mock/authenticators/phone", json={"sms": {"recovery": True}}
        )
    assert code == 1
    assert list(failed(doc)) == ["SMS enabled in the Phone authenticator's uses"]
    assert failed(doc)["SMS enabled in the Phone authenticator's uses"]["data"] == {
        "off": ["recovery"]
    }


def test_a_rejected_test_number(admin: Admin, capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = doctor(admin, capsys, "--test-number", REJECTED_NUMBER)
    tried = next(x for x in doc["checks"] if x["name"] == "secret tried for real (one SMS)")
    assert tried["status"] == "pass", tried  # the secret works: EZITXT took the message
    message_id = tried["data"]["transactionId"]
    admin.wait_status(message_id, "rejected")
    code, doc = doctor(admin, capsys, "--message", message_id)
    assert code == 1
    assert set(failed(doc)) == {"Mobile Report: recent messages by status", f"message {message_id}"}
    report = failed(doc)["Mobile Report: recent messages by status"]
    assert (
        report["fix"]
        == c.FIX_BLOCKED
        == "the receiving handset or carrier is blocking SMS delivery"
    )
    assert "***001" in report["detail"] and REJECTED_NUMBER not in json.dumps(doc)


def test_one_users_delivery_history(admin: Admin, capsys: pytest.CaptureFixture[str]) -> None:
    assert admin.wiring is not None
    login = admin.wiring.user["profile"]["login"]
    flow = admin.control.call(
        "flow",
        "POST",
        "/_mock/flows",
        json={"user": login, "requestType": "mfa-verification", "channel": "SMS"},
    )
    assert flow["outcome"] == "SUCCESSFUL", flow
    code, out = admin.run(capsys, "doctor", "--user", login)
    assert code == 0, out
    assert f"user {login}: mobile ***567:" in out


def test_no_telephony_hook_at_all(admin: Admin, capsys: pytest.CaptureFixture[str]) -> None:
    assert admin.wiring is not None
    path = f"/api/v1/inlineHooks/{admin.wiring.hook_id}"
    admin.okta.call("deactivate", "POST", f"{path}/lifecycle/deactivate")
    admin.okta.call("delete", "DELETE", path, ok=(204,))
    code, doc = doctor(admin, capsys)
    assert code == 1
    assert failed(doc)["telephony hook exists"]["fix"] == c.FIX_NO_HOOK
    assert list(failed(doc)) == ["telephony hook exists"]


def test_no_stack_and_no_target_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["doctor", "--workdir", str(tmp_path)]) == 2
    assert "cannot read" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("event", "cause"),
    [
        (
            {
                "outcome": {"result": "FAILURE", "reason": "Hook answered HTTP 401"},
                "debugContext": {"debugData": {"httpStatus": "401"}},
            },
            "HTTP 401: " + c.FIX_401,
        ),
        (
            {"outcome": {"result": "FAILURE", "reason": "No answer within 3 s"}},
            "timeout: " + c.FIX_TIMEOUT,
        ),
        (
            {"outcome": {"result": "FAILURE", "reason": "Connection failed: ClientConnectorError"}},
            "timeout: " + c.FIX_TIMEOUT,
        ),
        (
            {"outcome": {"result": "FAILURE", "reason": "Gateway refused the destination"}},
            "error: Gateway refused the destination",
        ),
    ],
)
def test_system_log_failures_are_grouped_by_cause(event: dict[str, Any], cause: str) -> None:
    assert failure_cause(event) == cause


def test_an_unreachable_connector_is_told_apart_from_a_bad_secret(
    admin: Admin, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    admin.put_hook(uri=f"https://127.0.0.1:{port}/okta/telephony")
    code, doc = doctor(admin, capsys, "--test-number", GOOD_NUMBER)
    assert code == 1
    found = failed(doc)
    assert found["secret tried for real (one SMS)"]["fix"] == c.FIX_TIMEOUT
    assert found["System Log: telephony hook failures"]["detail"] == "1 × timeout: " + c.FIX_TIMEOUT
    assert "hook URL equals EZITXT's Okta Setup Values URL" in found


@pytest.mark.parametrize(
    ("status", "body", "verdict", "fix"),
    [
        (200, {"commands": [{"type": "com.okta.telephony.action",
                             "value": [{"status": "PENDING", "transactionId": "m1"}]}]},
         "pass", ""),
        (200, {"error": {"errorSummary": "Destination not allowed"}}, "fail",
         "Destination not allowed"),
        (200, {"commands": []}, "fail", c.FIX_AUTH),
        (400, {"errorCauses": [{"errorSummary": "Hook answered HTTP 401"}]}, "fail", c.FIX_401),
        (400, {"errorCauses": [{"errorSummary": "No answer within 3 s"}]}, "fail", c.FIX_TIMEOUT),
    ],
)  # fmt: skip
def test_the_execute_answer_is_classified(
    status: int, body: dict[str, Any], verdict: str, fix: str
) -> None:
    check = classify_execute(status, body)
    assert (check.status, check.fix) == (verdict, fix)


def test_a_wrong_okta_api_token_is_one_cross_not_a_traceback(
    admin: Admin, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc = doctor(admin, capsys, "--okta-token", "00wrong-token-wrong-token")
    assert code == 1
    assert list(failed(doc)) == ["Okta API answers with the token"]
    check = failed(doc)["Okta API answers with the token"]
    assert "HTTP 401" in check["detail"] and check["fix"] == c.FIX_OKTA_TOKEN
    assert "00wrong-token" not in json.dumps(doc)
    assert [x["section"] for x in doc["checks"]] == ["Connection", "Connection"]


def closed_port_url() -> str:
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        return f"https://127.0.0.1:{closed.getsockname()[1]}"


def test_an_unreachable_ezitxt_portal_is_one_cross(
    admin: Admin, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc = doctor(admin, capsys, "--ezitxt-url", closed_port_url())
    assert code == 1
    assert list(failed(doc)) == ["EZITXT portal API answers"]
    assert failed(doc)["EZITXT portal API answers"]["fix"].startswith("Check the URL")


@pytest.mark.parametrize("command", ["register", "rotate"])
def test_register_and_rotate_say_an_unreachable_okta_in_one_line(
    admin: Admin, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    code = cli.main([command, "--workdir", str(admin.workdir), "--okta-url", closed_port_url()])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith(f"ezitxt-okta {command}: ") and "Traceback" not in err


def test_no_such_ezitxt_application(admin: Admin, capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = doctor(admin, capsys, "--application", "no-such-application")
    assert code == 1
    assert list(failed(doc)) == ["EZITXT application"]
    assert "Integrations > API Configuration" in failed(doc)["EZITXT application"]["fix"]


def test_an_application_whose_password_was_never_generated(
    admin: Admin, capsys: pytest.CaptureFixture[str]
) -> None:
    admin.ezitxt.call(
        "create application", "POST", "/api/applications", json={"name": "fresh-app"}, ok=(201,)
    )
    code, doc = doctor(admin, capsys, "--application", "fresh-app")
    assert code == 1
    assert list(failed(doc)) == ["secret copied into Okta"]
    assert failed(doc)["secret copied into Okta"]["detail"] == "no password generated in EZITXT"


def test_a_message_id_not_in_the_mobile_report(
    admin: Admin, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc = doctor(admin, capsys, "--message", "00000000-0000-0000-0000-000000000000")
    assert code == 1
    assert list(failed(doc)) == ["message 00000000-0000-0000-0000-000000000000"]


def test_a_user_not_in_okta(admin: Admin, capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = doctor(admin, capsys, "--user", "nobody@example.co.nz")
    assert code == 1
    assert failed(doc)["user nobody@example.co.nz"]["detail"] == "no such user in Okta"
    assert list(failed(doc)) == ["user nobody@example.co.nz"]


def test_one_users_history_when_the_number_cannot_be_normalised(
    admin: Admin, capsys: pytest.CaptureFixture[str]
) -> None:
    login = "bad.number@example.co.nz"
    profile = {"firstName": "Bad", "lastName": "Number", "login": login, "email": login,
               "mobilePhone": "021 12 3457 89 99"}  # fmt: skip
    admin.okta.call("create user", "POST", "/api/v1/users?activate=true", json={"profile": profile})
    code, doc = doctor(admin, capsys, "--user", login)
    assert code == 1
    check = failed(doc)[f"user {login}"]
    assert (check["detail"], check["fix"]) == ("mobile ***999 cannot be normalised", c.FIX_NUMBER)
    assert "3457" not in json.dumps(doc)


def test_a_test_number_the_connector_refuses_is_its_error_objects_reason(
    admin: Admin, capsys: pytest.CaptureFixture[str]
) -> None:
    """The connector answers an error object (a country not allowed); the System Log groups
    the failure under that error's reason."""
    code, doc = doctor(admin, capsys, "--test-number", "+14155550123")
    assert code == 1
    found = failed(doc)
    tried = found["secret tried for real (one SMS)"]
    assert tried["detail"].startswith("the connector answered an error: ")
    summary = tried["detail"].removeprefix("the connector answered an error: ")
    assert found["System Log: telephony hook failures"]["detail"] == f"1 × error: {summary}"
    assert set(found) == {"secret tried for real (one SMS)", "System Log: telephony hook failures"}


def test_the_system_log_is_read_in_one_request(
    admin: Admin, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mock Okta links a next page from every page of a query without ``until``, as Okta does:
    doctor asks a bounded query and reads it in one page."""
    from connector.admin.okta_client import Okta

    asked: list[str] = []
    request = Okta.request

    def counted(self: Okta, what: str, *args: Any, **kw: Any) -> Any:
        asked.append(what)
        return request(self, what, *args, **kw)

    monkeypatch.setattr(Okta, "request", counted)
    code, _ = doctor(admin, capsys)
    assert code == 0
    assert asked.count("System Log") == 1


def test_with_no_arguments_doctor_finds_the_one_running_stack_under_var(
    admin: Admin,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``var/stack-*/stack.json`` of the current folder, as ``ezitxt-okta stack`` leaves it; a
    stack.json left by a stack killed with SIGKILL (its process gone) is not a second stack."""
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "stack-8400").symlink_to(admin.workdir)
    dead = subprocess.Popen(["true"])
    dead.wait()
    left = tmp_path / "var" / "stack-8500"
    left.mkdir()
    info = json.loads((admin.workdir / "stack.json").read_text(encoding="utf-8"))
    (left / "stack.json").write_text(json.dumps({**info, "pid": dead.pid}), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["doctor"]) == 0, capsys.readouterr()
    assert "no problem found" in capsys.readouterr().out
    shutil.rmtree(left)
    assert cli.main(["doctor", "--json"]) == 0


def test_one_users_history_found_by_a_login_in_other_case(
    admin: Admin, capsys: pytest.CaptureFixture[str]
) -> None:
    """Okta's logins are case-insensitive: the login as an admin types it finds the user (one
    request by login, not a scan of every user, which stops at the listing's bound)."""
    assert admin.wiring is not None
    login = admin.wiring.user["profile"]["login"]
    code, doc = doctor(admin, capsys, "--user", login.upper())
    assert code == 0, failed(doc)
    check = next(x for x in doc["checks"] if x["name"] == f"user {login.upper()}")
    assert check["status"] == "pass" and check["detail"].startswith("mobile ***567: ")


def test_users_past_the_listings_bound_are_not_called_every_user(
    admin: Admin, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An org larger than MAX_PAGES pages of users (20,000 at Okta's 200 a page), made small:
    one user a page, one page. Before, the check said "every user's mobile number is usable"."""
    from connector.admin import okta_client

    profile = {"firstName": "Second", "lastName": "User", "login": "second@example.co.nz",
               "email": "second@example.co.nz", "mobilePhone": "+64211230002"}  # fmt: skip
    admin.okta.call("create user", "POST", "/api/v1/users?activate=true", json={"profile": profile})
    monkeypatch.setattr(okta_client, "MAX_PAGES", 1)
    monkeypatch.setattr(okta_client, "USERS_PAGE", 1)
    code, doc = doctor(admin, capsys)
    assert code == 0, failed(doc)
    check = next(x for x in doc["checks"] if x["name"] == "users' mobile numbers can be normalised")
    assert check["detail"] == (
        "every checked user's mobile number is usable"
        " (the first 1 users only: the listing stops at 1 pages)"
    )


def okta_alone(admin: Admin, monkeypatch: pytest.MonkeyPatch, folder: Path) -> list[str]:
    """The stack's Okta org given as a real org is (URL and token), from a folder with no
    var/stack-*, no EZITXT portal API: what an admin of a real org has, EZITXT's setup guide
    being portal pages."""
    monkeypatch.chdir(folder)
    monkeypatch.delenv("EZITXT_PORTAL_URL", raising=False)
    info = json.loads((admin.workdir / "stack.json").read_text(encoding="utf-8"))
    # "=": a random token may start with "-" (argparse would take it for an option)
    return [f"--okta-url={info['okta']}", f"--okta-token={info['api_token']}"]


def test_doctor_against_an_okta_org_alone(
    admin: Admin, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:  # fmt: skip
    """Before: exit 2, "no running stack under var/" (the portal's URL was required)."""
    given = [*okta_alone(admin, monkeypatch, tmp_path), "--url", admin.stack.urls.hook]
    code = cli.main(["doctor", "--json", *given, "--test-number", GOOD_NUMBER])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0, failed(doc)
    status = {check["name"]: check["status"] for check in doc["checks"]}
    assert status == {
        "Okta API answers with the token": "pass",
        "EZITXT portal API answers": "skip",
        "telephony hook exists and is ACTIVE": "pass",
        "hook URL equals EZITXT's Okta Setup Values URL": "pass",
        "authentication is HTTP headers with the Authentication Field": "pass",
        "secret copied into Okta": "skip",
        "secret tried for real (one SMS)": "pass",
        "SMS enabled in the Phone authenticator's uses": "pass",
        "System Log: telephony hook failures": "pass",
        "Mobile Report: recent messages by status": "skip",
        "users' mobile numbers can be normalised": "pass",
    }
    admin.put_hook(uri=admin.stack.urls.connector + "/elsewhere")  # one thing broken
    code = cli.main(["doctor", "--json", *given])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    assert list(failed(doc)) == ["hook URL equals EZITXT's Okta Setup Values URL"]


def test_a_user_whose_handset_blocks_sms(admin: Admin, capsys: pytest.CaptureFixture[str]) -> None:
    """One user's number blocked on the platform (mock EZITXT's +64210000005 handset): that
    user's history and the Mobile Report are ✗ with the guide's words, nothing else."""
    login = "blocked.handset@example.co.nz"
    profile = {"firstName": "Blocked", "lastName": "Handset", "login": login, "email": login,
               "mobilePhone": "+64210000005"}  # fmt: skip
    admin.okta.call("create user", "POST", "/api/v1/users?activate=true", json={"profile": profile})
    flow = admin.control.call(
        "flow",
        "POST",
        "/_mock/flows",
        json={"user": login, "requestType": "mfa-verification", "channel": "SMS"},
    )
    assert flow["outcome"] == "SUCCESSFUL", flow  # EZITXT took it: the handset blocks it
    admin.wait_status(flow["hook"]["transactionId"], "blocked")
    code, doc = doctor(admin, capsys, "--user", login)
    assert code == 1
    found = failed(doc)
    assert set(found) == {"Mobile Report: recent messages by status", f"user {login}"}
    assert {check["fix"] for check in found.values()} == {c.FIX_BLOCKED}
    assert "blocked 1" in found[f"user {login}"]["detail"]
    assert "0000005" not in json.dumps(doc)


def test_hours_bounds_the_system_log_looked_at(
    admin: Admin, capsys: pytest.CaptureFixture[str]
) -> None:
    """A failure a second old is in the default 24 hours and not in the last 0.5 s."""
    admin.put_hook(uri=closed_port_url() + "/okta/telephony")
    doctor(admin, capsys, "--test-number", GOOD_NUMBER)  # one failed call, logged by Okta
    admin.put_hook(uri=admin.stack.urls.hook)
    time.sleep(1.0)  # the failure is now older than the window below
    name = "System Log: telephony hook failures"
    code, doc = doctor(admin, capsys)
    assert code == 1 and list(failed(doc)) == [name]
    code, doc = doctor(admin, capsys, "--hours", str(0.5 / 3600))
    assert code == 0, failed(doc)
