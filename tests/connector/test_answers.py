from __future__ import annotations

import json

import pytest

from connector import answers
from tests.contract import okta_answer


@pytest.mark.parametrize("transaction_id", ["3f1c2b9e-7d4a", 'with "quotes" \\ and é', None])
def test_command_answer_is_the_plain_json_of_its_fields(transaction_id: str | None) -> None:
    answer = answers.command(
        "SUCCESSFUL",
        provider="EZITXT",
        transaction_id=transaction_id,
        metadata="accepted by gateway (HTTP 202)",
        outcome="sent",
    )
    value = {"status": "SUCCESSFUL", "provider": "EZITXT"}
    if transaction_id:
        value["transactionId"] = transaction_id
    value["transactionMetadata"] = "accepted by gateway (HTTP 202)"
    expected = {"commands": [{"type": "com.okta.telephony.action", "value": [value]}]}
    assert json.loads(answer.body) == expected
    okta_answer(answer.body)
