"""The pure steps before any I/O: the credential, the request value, the decision, and the replay
verdict. Table-driven, no server, no event loop."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from connector.conversion import PrefixBlock
from connector.credentials import BasicCredential, read_credential
from connector.decisions import AllowedCountries, Policy, Send, decide
from connector.errors import GatewayNoAnswer, GatewayRejectedMessage
from connector.gateway import GatewayReceipt, OutboundSms
from connector.refusals import Refusal
from connector.replays import Fingerprints, Remembered, Stamp, Verdict, compare, decode, encode
from connector.request import HookRequest, parse_request
from connector.settings import load_settings
from connector.validation import RequestValidator
from tests.connector import payloads

VALIDATOR = RequestValidator()


def basic(text: str) -> str:
    return "Basic " + base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ((), "missing_credential"),
        (("",), "missing_credential"),
        (("   ",), "missing_credential"),
        ((payloads.AUTHORIZATION, payloads.AUTHORIZATION), "ambiguous_credential"),
        ((payloads.AUTHORIZATION, ""), "ambiguous_credential"),
        (("Basic \xe9",), "malformed_credential"),
        (("Basic \xc3\xa9",), "malformed_credential"),
        (("Basic " + "A" * 2000,), "malformed_credential"),
        (("Bearer x.y.z",), "malformed_credential"),
        ((basic("app:pw\n"),), "malformed_credential"),
        ((basic("app:pw"),), None),
        (("basic  " + base64.b64encode(b"app:pw").decode() + " ",), None),
    ],
)
def test_read_credential(values: tuple[str, ...], expected: str | None) -> None:
    credential = read_credential(values)
    if expected is None:
        assert isinstance(credential, BasicCredential) and credential.application == "app"
        assert "pw" not in repr(credential)
    else:
        assert credential == Refusal(expected)


def body_with(**profile: Any) -> bytes:
    return json.dumps(payloads.request(**profile)).encode()


@pytest.mark.parametrize(
    ("profile", "phone", "refused_at"),
    [
        ({}, payloads.PHONE, None),
        ({"phoneNumber": 9876543210}, "9876543210", None),  # Okta's OpenAPI writes it so
        ({"phoneNumber": 64211234567, "otpCode": 482915}, "64211234567", None),
        ({"otpCode": 0}, payloads.PHONE, None),
        ({"phoneNumber": True}, None, "$.data.messageProfile.phoneNumber"),
        ({"otpCode": False}, None, "$.data.messageProfile.otpCode"),
        ({"phoneNumber": 64211234567.0}, None, "$.data.messageProfile.phoneNumber"),
        ({"otpCode": 1e5}, None, "$.data.messageProfile.otpCode"),
        ({"phoneNumber": -64211234567}, None, "$.data.messageProfile.phoneNumber"),
        ({"phoneNumber": [64211234567]}, None, "$.data.messageProfile.phoneNumber"),
        ({"phoneNumber": None}, None, "$.data.messageProfile.phoneNumber"),
    ],
)
def test_parse_request_reads_integers_as_decimal_text_and_nothing_else(
    profile: dict[str, Any], phone: str | None, refused_at: str | None
) -> None:
    parsed = parse_request(body_with(**profile), VALIDATOR)
    if refused_at is None:
        assert isinstance(parsed, HookRequest) and parsed.phone_number == phone
    else:
        assert isinstance(parsed, Refusal) and parsed.reason == "schema_invalid"
        assert [cause.location for cause in parsed.causes] == [refused_at]


def test_a_number_past_64_bits_is_refused_not_rounded() -> None:
    """orjson reads it as a float: its last digits are already gone."""
    body = body_with(phoneNumber=1).replace(
        b'"phoneNumber": 1', b'"phoneNumber": 64211234567890123456789'
    )
    parsed = parse_request(body, VALIDATOR)
    assert isinstance(parsed, Refusal) and parsed.reason == "schema_invalid"


def test_parse_request_gives_the_value_the_hook_relies_on() -> None:
    document = payloads.request(deliveryChannel="Voice Call")
    document["surprise"] = {"a": 1}
    parsed = parse_request(json.dumps(document).encode(), VALIDATOR)
    assert parsed == HookRequest(
        event_id=document["eventId"],
        okta_request_id=document["data"]["context"]["request"]["id"],
        request_type="mfa-verification",
        channel="voice call",
        phone_number=payloads.PHONE,
        message=payloads.MESSAGE,
        unknown_fields=1,
        user_id=document["data"]["userProfile"]["userId"],
    )


@pytest.mark.parametrize("profile", [None, {}, {"userId": ""}, {"userId": 7}, "00u1"])
def test_a_missing_or_odd_user_id_is_none(profile: object) -> None:
    document = payloads.request()
    if profile is None:
        del document["data"]["userProfile"]
    else:
        document["data"]["userProfile"] = profile
    parsed = parse_request(json.dumps(document).encode(), VALIDATOR)
    if isinstance(parsed, Refusal):  # the schema may refuse a userProfile that is no object
        assert parsed.reason == "schema_invalid"
    else:
        assert parsed.user_id is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [(b"", "bad_json"), (b"[1,", "bad_json"), (b"[]", "schema_invalid"), (b"{}", "schema_invalid")],
)
def test_parse_request_refuses_what_is_not_a_request(body: bytes, reason: str) -> None:
    parsed = parse_request(body, VALIDATOR)
    assert isinstance(parsed, Refusal) and parsed.reason == reason


def request(channel: str = "sms", phone: str = payloads.PHONE) -> HookRequest:
    return HookRequest("evt1", "req1", "mfa-verification", channel, phone, payloads.MESSAGE)


NZ_AU = Policy(default_region="NZ", rules=(AllowedCountries(frozenset({"NZ", "AU"})),))
SMS_NZ = OutboundSms(payloads.PHONE, payloads.MESSAGE, "evt1")


@pytest.mark.parametrize(
    ("req", "policy", "expected"),
    [
        (
            request(),
            Policy(),
            Send(OutboundSms(payloads.PHONE, payloads.MESSAGE, "evt1"), "NZ", "+6421123"),
        ),
        (
            request(phone="0412 345 678"),
            Policy(default_region="AU"),
            Send(OutboundSms("+61412345678", payloads.MESSAGE, "evt1"), "AU", "+6141234"),
        ),
        (request(channel="voice call"), Policy(), Refusal("voice_not_offered")),
        (request(channel="call"), Policy(), Refusal("voice_not_offered")),
        (request(phone=""), Policy(), Refusal("unusable_number", detail="empty_number")),
        (
            request(phone="+999123"),
            Policy(),
            Refusal("unusable_number", detail="unparseable_number"),
        ),
        (
            request(phone="+64 21 123"),
            Policy(),
            Refusal("unusable_number", detail="invalid_number"),
        ),
        (request(phone="+16502530000"), NZ_AU, Refusal("blocked_by_policy", country="US")),
        (
            request(phone="+16502530000"),
            Policy(),
            Send(OutboundSms("+16502530000", payloads.MESSAGE, "evt1"), "US", "+165025"),
        ),
        (
            request(phone="+61412345678"),
            NZ_AU,
            Send(OutboundSms("+61412345678", payloads.MESSAGE, "evt1"), "AU", "+6141234"),
        ),
    ],
)
def test_decide(req: HookRequest, policy: Policy, expected: Refusal | Send) -> None:
    assert decide(req, policy) == expected


# The production policy: the settings' defaults (NZ and AU, the default refused types).
PRODUCTION = Policy.from_settings(load_settings({}, gateway_url="http://127.0.0.1:9"))
EVERYWHERE = Policy.from_settings(
    load_settings({}, gateway_url="http://127.0.0.1:9", allowed_regions="*")
)


def refused_type(phone: str, token: str, country: str) -> tuple[HookRequest, Policy, Refusal]:
    return (
        request(phone=phone),
        EVERYWHERE,
        Refusal("number_type_refused", detail=token, country=country),
    )


@pytest.mark.parametrize(
    ("req", "policy", "expected"),
    [
        # Countries first: the default lets NZ and AU through, nothing else.
        (request(phone="+16502530000"), PRODUCTION, Refusal("blocked_by_policy", country="US")),
        (request(phone="+447012345678"), PRODUCTION, Refusal("blocked_by_policy", country="GB")),
        # Number types, whatever the country (phonenumbers' metadata decides the type).
        refused_type("0900 01234", "premium_rate", "NZ"),
        refused_type("+1 900 555 1234", "premium_rate", "US"),
        refused_type("+1 800 555 1234", "toll_free", "US"),
        refused_type("+61 1800 123 456", "toll_free", "AU"),
        refused_type("(09) 303 2222", "fixed_line", "NZ"),
        refused_type("+61 2 9123 4567", "fixed_line", "AU"),
        refused_type("+44 70 1234 5678", "personal_number", "GB"),
        # (phonenumbers' own example numbers of each type)
        refused_type("+44 7640 123456", "pager", "GB"),
        refused_type("+61 16 3123 4", "pager", "AU"),
        refused_type("+64 8 301 2378", "uan", "NZ"),
        refused_type("+61 1300 123 456", "shared_cost", "AU"),
        refused_type("+64 70 123 4567", "personal_number", "NZ"),
        refused_type("+39 33 1012 34501", "voicemail", "IT"),
        # Mobile and fixed-line-or-mobile pass; so do VoIP numbers (README: they take SMS).
        (
            request(phone="+64 22 123 4567"),
            PRODUCTION,
            Send(OutboundSms("+64221234567", payloads.MESSAGE, "evt1"), "NZ", "+6422123"),
        ),
        (
            request(phone="+16502530000"),
            EVERYWHERE,
            Send(OutboundSms("+16502530000", payloads.MESSAGE, "evt1"), "US", "+165025"),
        ),
        (
            request(phone="+44 56 1234 5678"),
            EVERYWHERE,
            Send(OutboundSms("+445612345678", payloads.MESSAGE, "evt1"), "GB", "+4456123"),
        ),
        # The mocks' test numbers are mobile numbers.
        (
            request(phone="+64210000001"),
            PRODUCTION,
            Send(OutboundSms("+64210000001", payloads.MESSAGE, "evt1"), "NZ", "+6421000"),
        ),
        (
            request(phone="+61400000001"),
            PRODUCTION,
            Send(OutboundSms("+61400000001", payloads.MESSAGE, "evt1"), "AU", "+6140000"),
        ),
    ],
)
def test_the_production_policy(req: HookRequest, policy: Policy, expected: Refusal | Send) -> None:
    assert decide(req, policy) == expected


def test_the_refused_types_are_a_setting() -> None:
    fixed_lines_too = load_settings(
        {}, gateway_url="http://127.0.0.1:9", refused_number_types="PREMIUM_RATE"
    )
    policy = Policy.from_settings(fixed_lines_too)
    assert isinstance(decide(request(phone="(09) 303 2222"), policy), Send)
    assert decide(request(phone="0900 01234"), policy) == Refusal(
        "number_type_refused", detail="premium_rate", country="NZ"
    )
    nothing = load_settings({}, gateway_url="http://127.0.0.1:9", refused_number_types="")
    assert isinstance(decide(request(phone="0900 01234"), Policy.from_settings(nothing)), Send)


@pytest.mark.parametrize("digits", [1, 3, 5, 8])
def test_the_prefix_has_the_configured_national_digits(digits: int) -> None:
    decision = decide(request(), Policy(prefix_digits=digits))
    assert isinstance(decision, Send)
    assert decision.prefix == "+64" + "211234567"[:digits]


def test_the_first_rule_that_objects_decides() -> None:
    def no_mondays(request: HookRequest, destination: object) -> Refusal | None:
        return Refusal("blocked_by_policy", detail="rule_one")

    def never_asked(request: HookRequest, destination: object) -> Refusal | None:
        raise AssertionError("a later rule ran after a refusal")

    policy = Policy(rules=(AllowedCountries(frozenset()), no_mondays, never_asked))
    assert decide(request(), policy) == Refusal("blocked_by_policy", detail="rule_one")


BLOCK = PrefixBlock("+6421123", until=2_000_000_000.0, level=1)


@pytest.mark.parametrize(
    ("req", "policy", "block", "expected"),
    [
        (
            request(),
            Policy(),
            BLOCK,
            Refusal("prefix_blocked", country="NZ", prefix="+6421123"),
        ),
        (request(), Policy(), None, Send(SMS_NZ, "NZ", "+6421123")),
        # The allow-list overrides a block in place: a whole range, or one number in it.
        (request(), Policy(conversion_allow=("+6421",)), BLOCK, Send(SMS_NZ, "NZ", "+6421123")),
        (
            request(),
            Policy(conversion_allow=(payloads.PHONE,)),
            BLOCK,
            Send(SMS_NZ, "NZ", "+6421123"),
        ),
        (
            request(),
            Policy(conversion_allow=("+6422",)),
            BLOCK,
            Refusal("prefix_blocked", country="NZ", prefix="+6421123"),
        ),
        # Earlier refusals come first: nothing about a prefix applies to a voice call.
        (request(channel="voice call"), Policy(), BLOCK, Refusal("voice_not_offered")),
        (request(phone="+16502530000"), NZ_AU, BLOCK, Refusal("blocked_by_policy", country="US")),
    ],
)
def test_a_blocked_prefix_is_refused_by_a_pure_rule(
    req: HookRequest, policy: Policy, block: PrefixBlock | None, expected: Refusal | Send
) -> None:
    assert decide(req, policy, block=block) == expected


KEYS = Fingerprints(b"k" * 32)
SMS = OutboundSms(payloads.PHONE, payloads.MESSAGE, "evt1")


@pytest.mark.parametrize(
    ("theirs", "verdict"),
    [
        (KEYS.stamp(payloads.AUTHORIZATION, SMS), Verdict.SAME),
        (KEYS.stamp(basic("okta-hook:rotated"), SMS), Verdict.OTHER_CREDENTIAL),
        (
            KEYS.stamp(payloads.AUTHORIZATION, OutboundSms("+64219876543", SMS.content, "evt1")),
            Verdict.OTHER_MESSAGE,
        ),
        (
            KEYS.stamp(payloads.AUTHORIZATION, OutboundSms(SMS.destination, "code 1", "evt1")),
            Verdict.OTHER_MESSAGE,
        ),
        (
            KEYS.stamp(basic("x:y"), OutboundSms(SMS.destination, "code 1", "evt1")),
            Verdict.OTHER_CREDENTIAL,
        ),
        # The same event sent again with the same message is the same, whatever its eventId.
        (
            KEYS.stamp(payloads.AUTHORIZATION, OutboundSms(SMS.destination, SMS.content, "e")),
            Verdict.SAME,
        ),
    ],
)
def test_replay_verdicts(theirs: Stamp, verdict: Verdict) -> None:
    assert compare(KEYS.stamp(payloads.AUTHORIZATION, SMS), theirs) is verdict


def test_digests_are_keyed_and_hold_no_secret() -> None:
    mine = KEYS.stamp(payloads.AUTHORIZATION, SMS)
    other_process = Fingerprints(b"j" * 32).stamp(payloads.AUTHORIZATION, SMS)
    assert compare(mine, other_process) is Verdict.OTHER_CREDENTIAL
    assert len(mine.credential) == len(mine.message) == 16
    key = KEYS.event_key("okta-hook", "evt1")
    assert len(key) == 16 and key != KEYS.event_key("other-app", "evt1")
    assert key != KEYS.event_key("okta-hook", "evt1", mine.message)


@pytest.mark.parametrize(
    "result",
    [
        GatewayReceipt(202, "id-é"),
        GatewayReceipt(202, None),
        GatewayNoAnswer("gateway_timeout"),
        GatewayNoAnswer("gateway_http_504", http_status=504),
        GatewayRejectedMessage("invalid_attrib", http_status=422, field="content"),
        GatewayRejectedMessage("rejected", http_status=400, field=""),
    ],
)
def test_records_rebuild_the_result_they_hold(result: Remembered) -> None:
    stamp = KEYS.stamp(payloads.AUTHORIZATION, SMS)
    created, held_stamp, rebuilt = decode(encode(result, stamp, 12.5))
    assert (created, held_stamp) == (12.5, stamp)
    assert type(rebuilt) is type(result)
    if isinstance(result, GatewayReceipt):
        assert rebuilt == result
    else:
        assert vars(rebuilt) == vars(result)
