"""The load test's pure parts: its requests, its outcome checks and its shapes (no gevent)."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest
from jsonschema import Draft202012Validator

import schemas
from connector import answers
from connector.answers import ErrorCause
from connector.phone import normalise
from loadtests.expect import FAULTS, AnswerChecker
from loadtests.history import connector_rate, peak_window
from loadtests.stages import (
    HOOK_USER_RATE,
    HOOK_WEIGHT,
    SHAPES,
    SIGN_IN_SHARE,
    SIGN_IN_WEIGHT,
    STEADY_RATE,
    STORM_FACTOR,
    USER_RATE,
    users_for,
)
from loadtests.telephony import RequestFactory


@pytest.fixture(scope="module")
def sample() -> list[tuple[str, dict[str, Any]]]:
    factory = RequestFactory(random.Random(6))
    return [(r.kind, orjson.loads(r.body)) for r in (factory.next() for _ in range(3000))]


def test_every_request_is_one_okta_could_send(sample: list[tuple[str, dict[str, Any]]]) -> None:
    validator = Draft202012Validator(schemas.load("okta/telephony-request"))
    for _, document in sample[:500]:
        validator.validate(document)


def test_the_mix_has_all_four_request_types_both_countries_and_some_voice(
    sample: list[tuple[str, dict[str, Any]]],
) -> None:
    types = Counter(d["requestType"].rsplit(".", 1)[-1] for _, d in sample)
    assert set(types) == {"mfa-verification", "pre-enrollment", "password-reset", "account-unlock"}
    kinds = Counter(kind for kind, _ in sample)
    assert 0.01 < kinds["voice"] / len(sample) < 0.06
    regions: Counter[str] = Counter()
    for _, document in sample:
        number = document["data"]["messageProfile"]["phoneNumber"]
        destination = normalise(number, "NZ")  # every form is usable: no unusable_number answers
        regions[destination.region] += 1
        assert not destination.e164.startswith(("+642100000", "+614000000"))  # test numbers
    assert set(regions) == {"NZ", "AU"}
    forms = {d["data"]["messageProfile"]["phoneNumber"][:1] for _, d in sample}
    assert forms == {"+", "6", "0"}  # E.164, without the +, national


def test_event_ids_are_fresh(sample: list[tuple[str, dict[str, Any]]]) -> None:
    assert len({d["eventId"] for _, d in sample}) == len(sample)


def sms(status: str, transaction_id: str | None = "m-1") -> bytes:
    return answers.command(
        status, provider="EZITXT", transaction_id=transaction_id, metadata="", outcome=""
    ).body


def error(status: int, reason: str) -> tuple[int, bytes]:
    answer = answers.error(status, "summary", [ErrorCause("summary", reason)], outcome=reason)
    return answer.http_status, answer.body


def test_answers_as_the_outcome_table_says_pass() -> None:
    checker = AnswerChecker(FAULTS["none"])
    assert checker.hook_answer("sms", 200, sms("SUCCESSFUL")) is None
    assert checker.hook_answer("voice", *error(200, "voice_not_offered")) is None


@pytest.mark.parametrize(
    ("fault", "kind", "status", "body", "problem"),
    [
        ("none", "sms", 200, sms("PENDING", None), "SMS status PENDING, expected SUCCESSFUL"),
        ("none", "sms", 200, sms("SUCCESSFUL", None), "SUCCESSFUL without a transactionId"),
        ("none", "sms", *error(503, "gateway_unavailable"), "HTTP 503 (gateway_unavailable)"),
        ("none", "sms", *error(200, "unusable_number"), "answered with an error (unusable_nu"),
        ("none", "voice", 200, sms("SUCCESSFUL"), "expected error voice_not_offered"),
        ("none", "sms", 200, b'{"commands": []}', "off the telephony-response schema"),
        ("none", "sms", 200, b"<html>", "body not JSON"),
        ("stall", "sms", 200, sms("SUCCESSFUL"), "expected PENDING (fault: stall)"),
    ],
)
def test_anything_else_fails_with_a_reason(
    fault: str, kind: str, status: int, body: bytes, problem: str
) -> None:
    found = AnswerChecker(FAULTS[fault]).hook_answer(kind, status, body)
    assert found is not None and problem in found


def test_pending_is_an_intended_answer_only_under_a_slow_gateway() -> None:
    assert AnswerChecker(FAULTS["slow"]).hook_answer("sms", 200, sms("PENDING", None)) is None
    assert AnswerChecker(FAULTS["slow"]).hook_answer("sms", 200, sms("SUCCESSFUL")) is None


def test_flows_that_fell_back_fail() -> None:
    checker = AnswerChecker(FAULTS["none"])
    good = {
        "outcome": "SUCCESSFUL",
        "hook": {"httpStatus": 200, "transactionId": "m-1"},
        "fallback": False,
        "delivery": {"via": "HOOK", "sent": True},
    }
    assert checker.flow(good) is None
    fell_back = {**good, "outcome": "HTTP_ERROR", "fallback": True, "hook": {"httpStatus": 503}}
    assert checker.flow(fell_back) == "flow outcome HTTP_ERROR, HTTP 503, expected SUCCESSFUL"


def test_shapes_follow_their_arrival_rates() -> None:
    steady, storm = SHAPES["steady"], SHAPES["storm"]
    assert steady.at(30) == (users_for(STEADY_RATE), 1.0)
    assert users_for(STEADY_RATE) == 260  # 180 Okta callers at 1/s, 80 people at 0.25/s
    hook_share = HOOK_WEIGHT * HOOK_USER_RATE / (USER_RATE * (HOOK_WEIGHT + SIGN_IN_WEIGHT))
    assert hook_share == pytest.approx(1 - SIGN_IN_SHARE)
    assert storm.peak_rate == STEADY_RATE * STORM_FACTOR
    assert steady.at(steady.seconds) is None
    ramp = storm.at(35)  # ramping up to the peak over 20 s
    assert ramp is not None
    users, spawn_rate = ramp
    assert users == users_for(STEADY_RATE * STORM_FACTOR)
    assert spawn_rate == (users - users_for(STEADY_RATE)) / 20
    assert SHAPES["smoke"].seconds <= 15


def test_the_rate_reached_is_read_from_locust_history(tmp_path: Path) -> None:
    steady = SHAPES["steady"]
    assert peak_window(steady) == (10, 70)
    lines = ["Timestamp,User Count,Type,Name,Requests/s,Total Request Count"]
    for second in range(0, 71):
        sms, flows = 190 * max(0, second - 5), 10 * max(0, second - 5)
        lines.append(f"{1000 + second},800,POST,hook: sms,190,{sms}")
        lines.append(f"{1000 + second},800,POST,okta: flow,10,{flows}")
        lines.append(f"{1000 + second},800,GET,ezitxt: handset,40,{40 * second}")  # not a hook call
        lines.append(f"{1000 + second},800,,Aggregated,240,{240 * second}")
    history = tmp_path / "history.csv"
    history.write_text("\n".join(lines) + "\n")
    assert connector_rate(history, steady) == (200, 10, 70)
