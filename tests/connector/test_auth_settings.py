"""The auth modes' settings: what each mode needs, secrets from ``…_FILE``, masked reprs, and
messages that name the variable but never quote a secret."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from connector.auth_modes import Authenticator, StaticSecrets
from connector.settings import SettingsError, load_settings

GATEWAY = {"EZITXT_HOOK_GATEWAY_URL": "https://gw.example.com"}
SECRET = "Basic " + base64.b64encode(b"okta-hook:very-secret-Pa55word").decode()
HEADER = "Bearer-ish connector-own-secret-0123456789"
OAUTH = {
    "EZITXT_HOOK_AUTH_MODES": "oauth",
    "EZITXT_HOOK_OAUTH_ISSUER": "https://example.okta.com/oauth2/default",
    "EZITXT_HOOK_OAUTH_SCOPE": "ezitxt.hook",
    "EZITXT_HOOK_OAUTH_CLIENTS": json.dumps({"0oa1": SECRET}),
}


def settings(**environ: str) -> object:
    return load_settings({**GATEWAY, **environ})


def test_default_is_passthrough_alone() -> None:
    loaded = load_settings(GATEWAY)
    assert loaded.auth_mode_list == ("passthrough",)
    assert loaded.oauth_audience == "api://default"
    assert Authenticator.from_settings(loaded).verifier is None


def test_oauth_settings_are_read() -> None:
    loaded = load_settings({**GATEWAY, **OAUTH, "EZITXT_HOOK_OAUTH_AUDIENCE": "api://ezitxt"})
    auth = Authenticator.from_settings(loaded)
    assert auth.verifier is not None
    assert auth.verifier.expected.audience == "api://ezitxt"
    assert auth.verifier.expected.clients == frozenset({"0oa1"})
    assert auth.verifier.jwks.discovery_url == (
        "https://example.okta.com/oauth2/default/.well-known/oauth-authorization-server"
    )


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"EZITXT_HOOK_AUTH_MODES": "passthrough,ldap"}, "unknown modes ldap"),
        ({"EZITXT_HOOK_AUTH_MODES": " , "}, "name at least one"),
        ({"EZITXT_HOOK_AUTH_MODES": "static,static"}, "named twice"),
        ({"EZITXT_HOOK_AUTH_MODES": "static"}, "EZITXT_HOOK_STATIC_SECRETS"),
        ({**OAUTH, "EZITXT_HOOK_OAUTH_SCOPE": ""}, "EZITXT_HOOK_OAUTH_SCOPE"),
        ({"EZITXT_HOOK_AUTH_MODES": "oauth"}, "EZITXT_HOOK_OAUTH_ISSUER"),
        (
            {**OAUTH, "EZITXT_HOOK_OAUTH_ISSUER": "http://example.okta.com/oauth2/default"},
            "EZITXT_HOOK_OAUTH_ISSUER: must be https",
        ),
        ({**OAUTH, "EZITXT_HOOK_OAUTH_ISSUER": "example.okta.com"}, "EZITXT_HOOK_OAUTH_ISSUER"),
        ({**OAUTH, "EZITXT_HOOK_OAUTH_CLIENTS": "[1]"}, "EZITXT_HOOK_OAUTH_CLIENTS"),
        ({**OAUTH, "EZITXT_HOOK_OAUTH_CLIENTS": "{}"}, "EZITXT_HOOK_OAUTH_CLIENTS"),
        (
            {**OAUTH, "EZITXT_HOOK_OAUTH_CLIENTS": json.dumps({"0oa1": "plain-password-123"})},
            "entry 1: the Authentication Secret must be",
        ),
        (
            {"EZITXT_HOOK_STATIC_SECRETS": json.dumps({HEADER: "Basic !!!"})},
            "EZITXT_HOOK_STATIC_SECRETS: entry 1",
        ),
        ({"EZITXT_HOOK_STATIC_SECRETS": "{not json " + HEADER}, "EZITXT_HOOK_STATIC_SECRETS"),
    ],
)
def test_invalid_auth_settings_name_their_variable_never_the_secret(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message) as caught:
        settings(**environ)
    text = str(caught.value)
    assert "very-secret" not in text and "plain-password" not in text and HEADER not in text


def test_loopback_issuer_may_be_plain_http() -> None:
    loaded = settings(**{**OAUTH, "EZITXT_HOOK_OAUTH_ISSUER": "http://127.0.0.1:9/oauth2/default"})
    assert loaded.oauth_issuer == "http://127.0.0.1:9/oauth2/default"


def test_secrets_are_read_from_files(tmp_path: Path) -> None:
    static_file = tmp_path / "static.json"
    static_file.write_text(json.dumps({HEADER: SECRET}) + "\n")
    clients_file = tmp_path / "clients.json"
    clients_file.write_text(json.dumps({"0oa1": SECRET}))
    environ = {
        **OAUTH,
        "EZITXT_HOOK_AUTH_MODES": "oauth,static",
        "EZITXT_HOOK_OAUTH_CLIENTS": "",
        "EZITXT_HOOK_OAUTH_CLIENTS_FILE": str(clients_file),
        "EZITXT_HOOK_STATIC_SECRETS_FILE": str(static_file),
    }
    loaded = load_settings({**GATEWAY, **environ})
    auth = Authenticator.from_settings(loaded)
    assert auth.static is not None and auth.static.match(HEADER) is not None
    assert auth.clients["0oa1"].header_value == SECRET


def test_file_settings_from_the_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    static_file = tmp_path / "static.json"
    static_file.write_text(json.dumps({HEADER: SECRET}))
    monkeypatch.setenv("EZITXT_HOOK_GATEWAY_URL", "https://gw.example.com")
    monkeypatch.setenv("EZITXT_HOOK_AUTH_MODES", "static")
    monkeypatch.setenv("EZITXT_HOOK_STATIC_SECRETS_FILE", str(static_file))
    loaded = load_settings()
    assert loaded.static_secrets is not None
    assert json.loads(loaded.static_secrets.get_secret_value()) == {HEADER: SECRET}


def test_a_secret_given_twice_or_a_missing_file_is_refused(tmp_path: Path) -> None:
    present = tmp_path / "static.json"
    present.write_text(json.dumps({HEADER: SECRET}))
    both = {
        "EZITXT_HOOK_AUTH_MODES": "static",
        "EZITXT_HOOK_STATIC_SECRETS": json.dumps({HEADER: SECRET}),
        "EZITXT_HOOK_STATIC_SECRETS_FILE": str(present),
    }
    with pytest.raises(SettingsError, match="both set"):
        settings(**both)
    missing = {
        "EZITXT_HOOK_AUTH_MODES": "static",
        "EZITXT_HOOK_STATIC_SECRETS_FILE": str(tmp_path / "absent"),
    }
    with pytest.raises(SettingsError, match="STATIC_SECRETS_FILE: cannot read"):
        settings(**missing)


def test_no_secret_in_the_settings_repr_or_the_authenticator() -> None:
    environ = {
        **OAUTH,
        "EZITXT_HOOK_AUTH_MODES": "oauth,static",
        "EZITXT_HOOK_STATIC_SECRETS": json.dumps({HEADER: SECRET}),
    }
    loaded = load_settings({**GATEWAY, **environ})
    auth = Authenticator.from_settings(loaded)
    for text in (repr(loaded), str(loaded), repr(auth.static), repr(auth.clients)):
        assert "very-secret" not in text and HEADER not in text
        assert SECRET.split(" ")[1] not in text


def test_static_secrets_match_exactly_and_every_one_is_live() -> None:
    other = "Basic " + base64.b64encode(b"other:Pa55word-two").decode()
    table = StaticSecrets({"old-secret": SECRET, "new-secret": other})
    assert len(table) == 2
    assert table.match("old-secret") is not None
    matched = table.match("new-secret")
    assert matched is not None and matched.header_value == other
    for near_miss in ("old-secre", "old-secret ", "OLD-SECRET", "", "old-secret\x00"):
        assert table.match(near_miss) is None
