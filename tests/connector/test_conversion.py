"""The pure core of conversion feedback (connector.conversion), table-tested: which events
verify, how a prefix's window is counted, when it is blocked and for how long."""

from __future__ import annotations

from typing import Any

import pytest

from connector.conversion import (
    BAD_TIME,
    IGNORED_TYPE,
    MFA,
    NO_USER,
    NOT_SMS,
    NOT_SUCCESS,
    RECOVERY,
    ConversionRules,
    Counts,
    Ignored,
    PrefixWindow,
    Verification,
    allow_listed,
    block_duration,
    counted,
    event_label,
    parse_time,
    read_event,
    should_block,
)
from tests.connector.okta_events import USER, log_event

T0 = 1_780_000_000.0  # a fixed Unix time (2026)
RULES = ConversionRules()  # 1 h window of 60 one-minute buckets, 20 sends, 20%


def test_an_sms_mfa_event_verifies_the_users_mfa_family() -> None:
    read = read_event(log_event(at=T0))
    assert isinstance(read, Verification)
    assert (read.user_id, read.family, read.at) == (USER, MFA, T0)


@pytest.mark.parametrize(
    ("event_type", "factor", "family"),
    [
        ("user.mfa.factor.activate", "SMS_FACTOR", MFA),
        ("user.authentication.auth_via_mfa", "sms", MFA),  # Okta's support article's value
        ("user.account.unlock", None, RECOVERY),  # logged once the code was entered
        ("user.account.reset_password", "EMAIL_FACTOR", RECOVERY),  # the factor is not read
    ],
)
def test_verifying_events(event_type: str, factor: str | None, family: str) -> None:
    read = read_event(log_event(event_type, factor=factor))
    assert isinstance(read, Verification) and read.family == family


def _without_user_target(event: dict[str, Any]) -> dict[str, Any]:
    event["target"] = [{"id": "pfx1", "type": "AuthenticatorEnrollment", "displayName": "Phone"}]
    return event


@pytest.mark.parametrize(
    ("event", "reason", "label"),
    [
        (log_event("user.session.start"), IGNORED_TYPE, "other"),
        (log_event(result="FAILURE"), NOT_SUCCESS, "user.authentication.auth_via_mfa"),
        (log_event(factor="call"), NOT_SMS, "user.authentication.auth_via_mfa"),  # OIE voice twin
        (log_event("user.mfa.factor.activate", factor=None), NOT_SMS, "user.mfa.factor.activate"),
        (dict(log_event(), published="yesterday"), BAD_TIME, "user.authentication.auth_via_mfa"),
        (dict(log_event(), target=None, actor={"id": "0oa1", "type": "PublicClientApp"}), NO_USER,
         "user.authentication.auth_via_mfa"),
    ],
)  # fmt: skip
def test_events_that_verify_nothing(event: dict[str, Any], reason: str, label: str) -> None:
    read = read_event(event)
    assert isinstance(read, Ignored)
    assert (read.reason, read.event_type) == (reason, label)


def test_the_phone_enrollment_target_says_sms_and_the_actor_names_the_user() -> None:
    event = _without_user_target(log_event(factor=None))
    read = read_event(event)
    assert isinstance(read, Verification) and read.user_id == USER  # from the actor


def test_labels_are_fixed_tokens() -> None:
    assert event_label("user.account.unlock") == "user.account.unlock"
    assert event_label("00u-anything-else") == "other"


def test_parse_time() -> None:
    assert parse_time("2026-06-01T10:00:00.123Z") == pytest.approx(1780308000.123)
    assert parse_time("2026-06-01T10:00:00") is None  # no zone: not Okta's
    assert parse_time("soon") is None


def window(sent: dict[int, int], verified: dict[int, int] | None = None, **kw: Any) -> PrefixWindow:
    values: dict[str, Any] = {"channel_alive": True, **kw}
    return PrefixWindow(sent, verified or {}, **values)


NOW = T0
B = RULES.bucket(NOW)


@pytest.mark.parametrize(
    ("win", "rules", "expected"),
    [
        (window({B: 20}), RULES, Counts(20, 0)),
        (window({B: 10, B - 59: 10}, {B - 59: 4}), RULES, Counts(20, 4)),
        (window({B - 61: 50, B: 3}), RULES, Counts(3, 0)),  # out of the window
        (window({B - 10: 30, B: 5}, since=NOW - 300), RULES, Counts(5, 0)),  # since the block
        # grace: the unverified sends of the last 2 minutes are not counted yet, verified ones are
        (window({B - 5: 10, B: 10}, {B: 3}), ConversionRules(grace_s=120), Counts(13, 3)),
        (window({B: 4}, {B: 9}), RULES, Counts(4, 4)),  # never more verified than sent
    ],
)
def test_counted(win: PrefixWindow, rules: ConversionRules, expected: Counts) -> None:
    assert counted(win, NOW, rules) == expected


@pytest.mark.parametrize(
    ("win", "prefix", "blocked"),
    [
        (window({B: 20}), "+64211", True),  # 0% of 20
        (window({B: 20}, {B: 3}), "+64211", True),  # 15%
        (window({B: 20}, {B: 4}), "+64211", False),  # 20% is not under 20%
        (window({B: 19}), "+64211", False),  # too few to judge
        (window({B: 500}, channel_alive=False), "+64211", False),  # silent channel: unknown
        (window({B: 500}, blocked=True), "+64211", False),  # already blocked
        (window({B: 500}), "+8823", True),
    ],
)
def test_should_block(win: PrefixWindow, prefix: str, blocked: bool) -> None:
    counts = should_block(win, prefix, NOW, RULES)
    assert (counts is not None) is blocked


def test_the_allow_list_keeps_a_prefix_from_being_blocked() -> None:
    rules = ConversionRules(allow=("+6421",))
    assert should_block(window({B: 500}), "+64211", NOW, rules) is None
    assert should_block(window({B: 500}), "+64271", NOW, rules) is not None
    assert allow_listed("+64211234567", ("+642112",))  # finer than a prefix: whole numbers
    assert not allow_listed("+64271234567", ("+642112",))


def test_blocks_double_up_to_the_longest() -> None:
    durations = [block_duration(level, RULES) for level in range(1, 10)]
    assert durations[:4] == [900, 1800, 3600, 7200]
    assert durations[-1] == 86_400 and max(durations) == 86_400
    assert block_duration(10_000, RULES) == 86_400
