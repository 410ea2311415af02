"""The Preview tab's sample request: a telephony request built exactly as a flow builds it
(``mocks.okta.telephony``) for a chosen user and request type, with a fresh sample OTP. Pure
apart from the ids, which come from ``mocks.okta.ids`` as a flow's do."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mocks.okta import ids
from mocks.okta.hook_caller import HookAnswer
from mocks.okta.telephony import Challenge, build_request
from mocks.okta.users import User

SAMPLE_PROFILE = {
    "firstName": "Sample",
    "lastName": "User",
    "login": "sample.user@example.com",
    "mobilePhone": "+64211234567",
}
SAMPLE_USER_ID = "00u0000000000sample"
MAX_SHOWN_BYTES = 64 * 1024


def sample_request(
    *,
    hook_id: str,
    org_url: str,
    user: User | None,
    request_type: str,
    channel: str,
    phone_number: str,
    now: float,
    otp_ttl_s: float,
    ip_address: str,
) -> dict[str, Any]:
    profile = user.profile if user is not None else SAMPLE_PROFILE
    challenge = Challenge(
        event_id=ids.event_id(),
        request_id=ids.request_id(),
        hook_id=hook_id,
        org_url=org_url,
        request_type=request_type,
        channel=channel,
        user_id=user.id if user is not None else SAMPLE_USER_ID,
        login=profile.get("login", ""),
        first_name=profile.get("firstName", ""),
        last_name=profile.get("lastName", ""),
        phone_number=phone_number,
        locale=profile.get("locale") or "EN-US",
        otp=ids.otp(),
        now=now,
        ip_address=ip_address,
        otp_ttl_s=otp_ttl_s,
    )
    return build_request(challenge)


@dataclass(frozen=True)
class ShownAnswer:
    """The hook's answer as the Preview tab shows it."""

    http_status: int | None
    duration_ms: int
    failure: str | None
    detail: str | None
    body: str | None
    is_json: bool
    truncated: bool


def shown_answer(answer: HookAnswer) -> ShownAnswer:
    raw = answer.body
    body: str | None = None
    is_json = truncated = False
    if raw is not None:
        try:
            body = json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
            is_json = True
        except (UnicodeDecodeError, json.JSONDecodeError):
            body = raw.decode("utf-8", errors="replace")
        if len(body) > MAX_SHOWN_BYTES:
            body, truncated = body[:MAX_SHOWN_BYTES], True
    return ShownAnswer(
        answer.http_status,
        answer.duration_ms,
        answer.failure,
        answer.detail,
        body,
        is_json,
        truncated,
    )
