"""What Okta does with a hook's answer (CONTRACT.md §2, Okta's troubleshooting table). Pure.

| outcome     | the hook…                                       | fallback | end user sees        |
|-------------|-------------------------------------------------|----------|----------------------|
| SUCCESSFUL  | answered 200 with status SUCCESSFUL             | no       | nothing              |
| PENDING     | answered 200 with status PENDING                | no       | nothing              |
| FAILED      | answered 200 with status FAILED                 | yes      | nothing              |
| ERROR       | answered 200 with an error object               | yes      | its errorSummary     |
| HTTP_ERROR  | answered any status but 200 (redirects too)     | yes      | nothing              |
| TIMEOUT     | gave no answer within the timeout (3 s)         | yes      | nothing              |
| UNREACHABLE | could not be reached (connection, TLS)          | yes      | nothing              |
| MALFORMED   | answered 200 with a body off the schema         | yes      | nothing              |
| TOO_LARGE   | answered over 256 KB                            | yes      | nothing              |

Flows add two outcomes of their own: NO_HOOK (no active telephony hook: Okta's own provider sends)
and DENY (Okta's per-number rate limit: nothing is sent).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import schemas
from mocks.okta.hook_caller import HookAnswer

DEFAULT_END_USER_ERROR = "The callback service returned an error"


class Outcome(StrEnum):
    SUCCESSFUL = "SUCCESSFUL"
    PENDING = "PENDING"
    FAILED = "FAILED"
    ERROR = "ERROR"
    HTTP_ERROR = "HTTP_ERROR"
    TIMEOUT = "TIMEOUT"
    UNREACHABLE = "UNREACHABLE"
    MALFORMED = "MALFORMED"
    TOO_LARGE = "TOO_LARGE"
    NO_HOOK = "NO_HOOK"
    DENY = "DENY"


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    fallback: bool
    status: str | None = None
    transaction_id: str | None = None
    provider: str | None = None
    error_summary: str | None = None
    end_user_message: str | None = None
    body: Any = None

    @property
    def answered_well(self) -> bool:
        """The hook gave Okta an answer it understands (what ``execute`` passes through)."""
        return self.outcome in (Outcome.SUCCESSFUL, Outcome.PENDING, Outcome.FAILED, Outcome.ERROR)

    @property
    def execution_failed(self) -> bool:
        """No usable answer: what Okta logs as a failed ``inline_hook.executed``."""
        return not self.answered_well


def classify(answer: HookAnswer) -> Verdict:
    """The outcome of one hook call."""
    if answer.failure is not None:
        return Verdict(Outcome(answer.failure), fallback=True, error_summary=answer.detail)
    if answer.http_status != 200:
        return Verdict(
            Outcome.HTTP_ERROR,
            fallback=True,
            error_summary=f"Hook answered HTTP {answer.http_status}",
        )
    try:
        body = json.loads(answer.body or b"")
    except (UnicodeDecodeError, json.JSONDecodeError):
        return Verdict(Outcome.MALFORMED, fallback=True, error_summary="Hook answer is not JSON")
    problems = sorted(
        {
            schemas.dotted_path(e)
            for e in schemas.validator("okta/telephony-response").iter_errors(body)
        }
    )
    if problems:
        return Verdict(
            Outcome.MALFORMED,
            fallback=True,
            error_summary="Hook answer does not match the telephony response at "
            + ", ".join(problems[:5]),
        )
    if "error" in body:
        summary = body["error"].get("errorSummary") or None
        return Verdict(
            Outcome.ERROR,
            fallback=True,
            error_summary=summary,
            end_user_message=summary or DEFAULT_END_USER_ERROR,
            body=body,
        )
    action = body["commands"][0]["value"][0]
    status = action["status"]
    return Verdict(
        Outcome(status),
        fallback=status == "FAILED",
        status=status,
        transaction_id=action.get("transactionId"),
        provider=action.get("provider"),
        error_summary="Hook reported FAILED" if status == "FAILED" else None,
        body=body,
    )
