"""``classify``: a hook's answer → what Okta does (CONTRACT.md §2). Pure, no sockets."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mocks.okta.classify import DEFAULT_END_USER_ERROR, Outcome, classify
from mocks.okta.hook_caller import HookAnswer


def answer(body: Any, status: int = 200) -> HookAnswer:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HookAnswer(status, raw, 12)


def action(**value: Any) -> dict[str, Any]:
    return {"commands": [{"type": "com.okta.telephony.action", "value": [value]}]}


@pytest.mark.parametrize(
    ("hook_answer", "outcome", "fallback"),
    [
        (answer(action(status="SUCCESSFUL", transactionId="t1")), Outcome.SUCCESSFUL, False),
        (answer(action(status="PENDING")), Outcome.PENDING, False),
        (answer(action(status="FAILED")), Outcome.FAILED, True),
        (answer({"error": {"errorSummary": "Nope"}}), Outcome.ERROR, True),
        (answer(action(status="SUCCESSFUL"), status=201), Outcome.HTTP_ERROR, True),
        (answer(action(status="SUCCESSFUL"), status=301), Outcome.HTTP_ERROR, True),
        (answer(b"<html>"), Outcome.MALFORMED, True),
        (answer(b"\xff\xfe"), Outcome.MALFORMED, True),
        (answer(b""), Outcome.MALFORMED, True),
        (answer(action(status="successful")), Outcome.MALFORMED, True),
        (answer({"commands": []}), Outcome.MALFORMED, True),
        (
            answer({"commands": [{"type": "com.okta.other", "value": [{"status": "FAILED"}]}]}),
            Outcome.MALFORMED,
            True,
        ),
        (
            answer({"commands": action(status="PENDING")["commands"], "error": {}}),
            Outcome.MALFORMED,
            True,
        ),
        (HookAnswer(None, None, 3000, "TIMEOUT", "No answer within 3 s"), Outcome.TIMEOUT, True),
        (HookAnswer(None, None, 5, "UNREACHABLE", "Connection failed"), Outcome.UNREACHABLE, True),
        (HookAnswer(200, None, 5, "TOO_LARGE", "Response is over 256 KB"), Outcome.TOO_LARGE, True),
    ],
)
def test_outcomes(hook_answer: HookAnswer, outcome: Outcome, fallback: bool) -> None:
    verdict = classify(hook_answer)
    assert verdict.outcome is outcome
    assert verdict.fallback is fallback
    assert verdict.answered_well is (outcome in ("SUCCESSFUL", "PENDING", "FAILED", "ERROR"))


def test_success_carries_the_transaction() -> None:
    verdict = classify(answer(action(status="SUCCESSFUL", transactionId="t1", provider="EZITXT")))
    assert (verdict.status, verdict.transaction_id, verdict.provider) == (
        "SUCCESSFUL",
        "t1",
        "EZITXT",
    )
    assert verdict.end_user_message is None and verdict.error_summary is None


def test_error_object_is_shown_to_the_end_user() -> None:
    assert (
        classify(answer({"error": {"errorSummary": "Bad number"}})).end_user_message == "Bad number"
    )
    for empty in ({"error": {}}, {"error": {"errorSummary": ""}}):
        assert classify(answer(empty)).end_user_message == DEFAULT_END_USER_ERROR


def test_malformed_summary_names_paths_not_values() -> None:
    verdict = classify(answer(action(status="123456")))
    assert verdict.error_summary is not None
    assert "commands.0.value.0.status" in verdict.error_summary
    assert "123456" not in verdict.error_summary
