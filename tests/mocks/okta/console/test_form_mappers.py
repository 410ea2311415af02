"""The console's pure mappers: form fields to the API's documents, error causes to fields, and
the System Log filters to a query window."""

from __future__ import annotations

import pytest
from starlette.datastructures import FormData

from mocks.okta.console.hook_form import HookForm, field_errors
from mocks.okta.console.log_filters import LogFilters
from mocks.okta.console.render import breakable
from mocks.okta.hook_rules import TELEPHONY, check_definition


def test_a_filled_form_is_a_valid_definition() -> None:
    form = HookForm.from_form(
        FormData(
            [
                ("name", " EZITXT SMS "),
                ("url", "https://hooks.example/okta"),
                ("auth_type", "HEADER"),
                ("auth_field", "Authorization"),
                ("auth_secret", "Basic YTpi"),
                ("header_key", "X-Tenant"),
                ("header_value", "acme"),
                ("header_key", ""),
                ("header_value", ""),
            ]
        )
    )
    doc = form.definition()
    assert check_definition(doc, allow_http=False) == []
    assert doc["type"] == TELEPHONY and doc["name"] == "EZITXT SMS"
    config = doc["channel"]["config"]
    assert config["headers"] == [{"key": "X-Tenant", "value": "acme"}]
    assert config["authScheme"] == {"type": "HEADER", "key": "Authorization", "value": "Basic YTpi"}


def test_a_blank_secret_is_left_out_and_oauth_maps_to_its_channel() -> None:
    form = HookForm(name="n", url="https://h.example", auth_field="Authorization")
    assert "value" not in form.definition()["channel"]["config"]["authScheme"]
    oauth = HookForm(name="n", url="https://h.example", auth_type="OAUTH2", auth_field="A")
    assert oauth.definition()["channel"]["type"] == "OAUTH"


def test_causes_go_under_their_fields() -> None:
    found = field_errors(
        [
            "channel.config.uri: The URI must use HTTPS",
            "channel.config.authScheme.value: too short",
            "channel.config.headers.0.key: does not match",
            "Only one ACTIVE telephony inline hook is allowed per org (cal1 is)",
        ]
    )
    assert found == {
        "url": ["The URI must use HTTPS"],
        "auth_secret": ["too short"],
        "headers": ["does not match"],
        "general": ["Only one ACTIVE telephony inline hook is allowed per org (cal1 is)"],
    }


def test_log_windows() -> None:
    now = 1_800_000_000.0
    assert LogFilters(period="1h").window(now) == (now - 3600, now + 1)
    custom = LogFilters(
        period="custom", since_text="2027-01-15T08:00", until_text="2027-01-15T09:00:30"
    )
    since, until = custom.window(now)
    assert until - since == 3630
    with pytest.raises(ValueError, match="To: not a date"):
        LogFilters(period="custom", until_text="soon").window(now)
    assert LogFilters.from_query({"period": "forever"}).period == "7d"
    kept = LogFilters(event_type="a.b", outcome="FAILURE", after="7")
    assert kept.params(after="3") == {
        "event_type": "a.b",
        "outcome": "FAILURE",
        "period": "7d",
        "after": "3",
    }


def test_breakable_escapes_then_offers_breaks_after_dots_underscores_and_ats() -> None:
    assert breakable("system.sms.send_factor") == "system.<wbr>sms.<wbr>send_<wbr>factor"
    assert breakable("aroha@example.nz") == "aroha@<wbr>example.<wbr>nz"
    assert breakable('<b a="x.y">') == "&lt;b a=&#34;x.<wbr>y&#34;&gt;"
