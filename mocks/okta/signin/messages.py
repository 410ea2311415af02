"""What the sign-in page says after each step. Pure: a flow or a result in, words out.

Two kinds of words: what Okta shows the end user (CONTRACT.md §2: only an error object's
``errorSummary``, else "The callback service returned an error", reaches the user; every other
hook failure is silent because Okta's own provider sends instead), and a small note for QA that
Okta would not show, saying which way the code went.
"""

from __future__ import annotations

from mocks.okta.classify import Outcome
from mocks.okta.flow_model import Flow

BLANK = "This field cannot be left blank"
UNKNOWN_USER = "There is no account with the Username {username}."
SMS_OFF = "Receiving a code via SMS is not available for this. Contact your administrator."
NO_PHONE = "No phone number is set up for this account. Ask your administrator to add one."
INVALID_CODE = "Invalid code. Try again."
EXPIRED_CODE = "Your code has expired. Send a new code."
TOO_MANY_TRIES = "Too many attempts. Send a new code."
NO_CODE_YET = "No code has been sent yet. Send a code first."
SESSION_EXPIRED = "Your session has expired. Start again."
SIGNED_IN = "You are signed in."
UNLOCKED = "Account successfully unlocked!"
PASSWORD_RESET = "Your password has been reset."


def user_error(flow: Flow) -> str | None:
    """The error Okta shows the end user after a send, if any: the error object's summary, or
    the mock's wording of the per-number rule."""
    if flow.outcome in (Outcome.ERROR, Outcome.DENY):
        return flow.end_user_message
    return None


def qa_note(flow: Flow) -> str:
    """Where the code went, for the QA person testing the hook: not something Okta shows."""
    if flow.outcome is Outcome.DENY:
        return "Okta's limit of one challenge per phone number per interval: nothing was sent."
    if flow.delivery_via == "HOOK":
        parts = [str(flow.outcome)]
        if flow.http_status is not None:
            parts.append(f"HTTP {flow.http_status}")
        transaction = flow.delivery_transaction_id
        sent = f", transaction {transaction}" if transaction else ""
        return f"Sent through the telephony inline hook ({', '.join(parts)}{sent})."
    if flow.delivery_via == "OKTA":
        return "No active telephony inline hook: Okta's own provider sent this code."
    failure = _hook_failure(flow)
    if not flow.delivery_sent:
        return (
            f"The inline hook failed ({failure}) and Okta's fallback provider refused the send "
            "(its rate limit): no code was sent."
        )
    return f"The inline hook failed ({failure}); Okta's own provider sent this code instead."


def _hook_failure(flow: Flow) -> str:
    # The summary of an HTTP_ERROR already names the status ("Hook answered HTTP 401").
    summary = flow.verdict.error_summary if flow.verdict else None
    if not summary and flow.http_status is not None:
        summary = f"HTTP {flow.http_status}"
    return f"{flow.outcome}: {summary}" if summary else str(flow.outcome)


def code_result(result: str) -> str | None:
    """The message for ``Flow.verify``'s answer; None when the code was right."""
    return {"INVALID": INVALID_CODE, "EXPIRED": EXPIRED_CODE}.get(result)
