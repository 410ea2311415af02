"""Handsets: the inbox of any number, where QA read the code that arrived.

The same messages as ``GET /_mock/handsets/{msisdn}/messages``: those that reached
``received`` on that phone, newest first. A test number's outcome is named beside its inbox.
"""

from __future__ import annotations

from typing import Final

from starlette.requests import Request
from starlette.responses import Response

from mocks.ezitxt.lifecycle import TEST_NUMBERS, TEST_PREFIXES, test_number
from mocks.ezitxt.phones import is_e164
from mocks.ezitxt.portal.sessions import Session
from mocks.ezitxt.portal.web import backend_of, console_page, render

# What a person sees happen on the handset, per test-number outcome (lifecycle.TEST_NUMBERS has
# the developer's wording, with the Timings fields).
SEEN: Final = {
    "rejected": "Rejected by the carrier: never arrives",
    "expired": "Sent, never confirmed, then expired: never arrives",
    "frozen": "Retried, then frozen as undeliverable: never arrives",
    "failed": "Delivery fails: never arrives",
    "blocked": "Blocked at once, never queued: never arrives",
    "slow": "Arrives, but late (slow delivery)",
    "no-receipt": "Sent, but no delivery receipt ever comes: not in the inbox",
    "slow-queue": "Held in the queue for a while, then arrives",
}
INBOX_LIMIT = 50
RECENT_NUMBERS = 12


@console_page
async def handsets(request: Request, session: Session) -> Response:
    backend = backend_of(request)
    raw = request.query_params.get("number", "").strip().replace(" ", "")
    number = raw if not raw or raw.startswith("+") else f"+{raw}"
    error = None
    inbox = None
    if number and not is_e164(number):
        error = "Enter the number in E.164 form, such as +64211234567."
    elif number:
        inbox = backend.handset(number, limit=INBOX_LIMIT)
    return render(
        request,
        "handsets.html",
        session,
        number=number,
        error=error,
        inbox=inbox,
        outcome=test_number(number) if number and not error else None,
        recent=backend.store.recent_destinations(RECENT_NUMBERS),
        test_numbers=[
            (t.suffix, t.outcome, SEEN.get(t.outcome, t.description)) for t in TEST_NUMBERS.values()
        ],  # fmt: skip
        seen=SEEN,
        test_prefix=TEST_PREFIXES[0],
    )
