"""The telephony inline hook request, built as Okta builds it (CONTRACT.md §1). Pure: ids, time
and the OTP come in as arguments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import schemas
from mocks.common.timestamps import iso
from mocks.okta import defaults, templates

REQUEST_SCHEMA = "okta/telephony-request"
EXECUTE_SCHEMA = "okta/telephony-execute"
REQUEST_TYPES = ("mfa-verification", "pre-enrollment", "account-unlock", "password-reset")
CHANNELS = ("SMS", "voice call")
# The sign-in endpoints (Identity Engine) whose requests trigger each kind of send.
TRIGGER_PATHS = {
    "mfa-verification": "/idp/idx/challenge",
    "pre-enrollment": "/idp/idx/credential/enroll",
    "account-unlock": "/idp/idx/unlock-account",
    "password-reset": "/idp/idx/recover",
}


@dataclass(frozen=True)
class Challenge:
    """Everything one send needs, the OTP included."""

    event_id: str
    request_id: str
    hook_id: str
    org_url: str
    request_type: str
    channel: str
    user_id: str
    login: str
    first_name: str
    last_name: str
    phone_number: str
    locale: str
    otp: str
    now: float
    ip_address: str
    otp_ttl_s: float = defaults.OTP_TTL_S

    @property
    def message(self) -> str:
        return templates.render(self.locale, self.otp, voice=self.channel != "SMS")


def build_request(challenge: Challenge) -> dict[str, Any]:
    """The JSON body Okta POSTs to the telephony hook."""
    return {
        "eventId": challenge.event_id,
        "eventTime": iso(challenge.now),
        "eventType": "com.okta.telephony.provider",
        "eventTypeVersion": "1.0",
        "contentType": "application/json",
        "cloudEventVersion": "0.1",
        "source": f"{challenge.org_url}/api/v1/inlineHooks/{challenge.hook_id}",
        "requestType": f"com.okta.user.telephony.{challenge.request_type}",
        "data": {
            "context": {
                "request": {
                    "id": challenge.request_id,
                    "method": "POST",
                    "url": {"value": TRIGGER_PATHS[challenge.request_type]},
                    "ipAddress": challenge.ip_address,
                }
            },
            "userProfile": {
                "firstName": challenge.first_name,
                "lastName": challenge.last_name,
                "login": challenge.login,
                "userId": challenge.user_id,
            },
            "messageProfile": {
                "msgTemplate": challenge.message,
                "phoneNumber": challenge.phone_number,
                "otpExpires": iso(challenge.now + challenge.otp_ttl_s),
                "deliveryChannel": challenge.channel,
                "otpCode": challenge.otp,
                "locale": challenge.locale,
            },
        },
    }


def request_problems(body: Any) -> list[str]:
    """Where a request breaks ``schemas/okta/telephony-request`` (empty when valid). Paths
    only: the messages would quote values, and the request holds the OTP."""
    return [schemas.dotted_path(e) for e in schemas.validator(REQUEST_SCHEMA).iter_errors(body)]


def execute_problems(body: Any) -> list[str]:
    """Where the body of an ``execute`` is not a telephony payload Okta can read (empty when it
    is): ``schemas/okta/telephony-execute``, looser than a real request on purpose. Paths only."""
    return sorted(
        {schemas.dotted_path(e) for e in schemas.validator(EXECUTE_SCHEMA).iter_errors(body)}
    )
