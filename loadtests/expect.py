"""What each answer must be, from DESIGN.md's outcome table; a failure is a short message.

Every connector answer is checked against ``schemas/okta/telephony-response`` first (Okta skips
a body off that schema), then against the outcome its request calls for: an SMS request gets
200 ``SUCCESSFUL`` with the gateway's ``transactionId`` (``PENDING`` only where a gateway fault
makes it the intended answer), a voice request gets a 200 ``error`` object with reason
``voice_not_offered``. The messages name statuses and reasons only: never an OTP, a number or a
credential.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

import schemas

SUCCESSFUL = "SUCCESSFUL"
PENDING = "PENDING"


@dataclass(frozen=True)
class Fault:
    """A gateway fault for a load run: the control-plane rule and the SMS outcomes it allows."""

    name: str
    description: str
    rule: dict[str, Any] | None
    sms_statuses: frozenset[str]

    @property
    def allowed(self) -> str:
        return "/".join(sorted(self.sms_statuses))


FAULTS = {
    fault.name: fault
    for fault in (
        Fault("none", "no fault", None, frozenset({SUCCESSFUL})),
        # 2 s is inside the 2.5 s budget: the gateway's answer still makes it, mostly; an answer
        # the gateway could not give in time is PENDING, never a failure or a late answer.
        Fault(
            "slow",
            "gateway answers after 2 s",
            {"delay": {"fixedMs": 2000}},
            frozenset({SUCCESSFUL, PENDING}),
        ),
        # Past the budget: every SMS answer is PENDING, at the budget, never later.
        Fault(
            "stall",
            "gateway answers after 3 s",
            {"delay": {"fixedMs": 3000}},
            frozenset({PENDING}),
        ),
    )
}


class AnswerChecker:
    def __init__(self, fault: Fault) -> None:
        self.fault = fault
        self._schema = schemas.validator("okta/telephony-response")  # compiled once a process

    def hook_answer(self, kind: str, http_status: int, body: bytes | None) -> str | None:
        """None when the connector's answer to a ``kind`` ("sms"/"voice") request is right."""
        try:
            document = orjson.loads(body or b"")
        except orjson.JSONDecodeError:
            return f"HTTP {http_status}, body not JSON"
        if http_status != 200:
            return f"HTTP {http_status} ({', '.join(reasons(document)) or 'no reason'})"
        if not self._schema.is_valid(document):
            return "answer off the telephony-response schema"
        if kind == "voice":
            if "voice_not_offered" not in reasons(document):
                return f"voice request: expected error voice_not_offered, got {describe(document)}"
            return None
        return self.sms_command(document)

    def sms_command(self, document: dict[str, Any]) -> str | None:
        if "error" in document:
            return f"SMS request answered with an error ({', '.join(reasons(document))})"
        value = document["commands"][0]["value"][0]
        status = value["status"]
        if status not in self.fault.sms_statuses:
            return f"SMS status {status}, expected {self.fault.allowed} (fault: {self.fault.name})"
        if status == SUCCESSFUL and not value.get("transactionId"):
            return "SUCCESSFUL without a transactionId"
        return None

    def flow(self, document: dict[str, Any]) -> str | None:
        """A sign-in flow run by mock Okta: the hook answered well and Okta did not fall back."""
        outcome = document.get("outcome")
        hook = document.get("hook") or {}
        if outcome not in self.fault.sms_statuses:
            summary = f", HTTP {hook.get('httpStatus')}" if hook else ""
            return f"flow outcome {outcome}{summary}, expected {self.fault.allowed}"
        if document.get("fallback") or (document.get("delivery") or {}).get("via") != "HOOK":
            return "Okta fell back to its own provider"
        if outcome == SUCCESSFUL and not hook.get("transactionId"):
            return "SUCCESSFUL flow without a transactionId"
        return None


def reasons(document: Any) -> list[str]:
    if not isinstance(document, dict) or not isinstance(document.get("error"), dict):
        return []
    causes: Iterable[Any] = document["error"].get("errorCauses") or []
    return [str(c.get("reason")) for c in causes if isinstance(c, dict)]


def describe(document: dict[str, Any]) -> str:
    if "error" in document:
        return f"error ({', '.join(reasons(document))})"
    return f"status {document['commands'][0]['value'][0]['status']}"
