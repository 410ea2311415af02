"""Realistic, varied telephony hook requests, as Okta sends them (CONTRACT.md §1).

All four request types in the shares a sign-in day has; NZ and AU mobile numbers in the forms
Okta sends (E.164, E.164 without the ``+``, NZ national with and without spaces); a fresh
``eventId``, OTP and timestamps on every request; a few voice requests, which the connector
answers with an error object (it offers SMS only). Numbers never fall on mock EZITXT's test
numbers (``+642100000NN``, ``+614000000NN``), whose messages are meant to fail.
"""

from __future__ import annotations

import random
import string
import time
from dataclasses import dataclass
from typing import Any

import orjson

from mocks.common.timestamps import iso

EVENT_TYPE = "com.okta.telephony.provider"
OTP_TTL_S = 300.0  # otpExpires: about 5 minutes after eventTime (CONTRACT.md §1)
REQUEST_TYPES = {  # request type → (share, the sign-in path that triggers it)
    "mfa-verification": (70, "/idp/idx/challenge"),
    "pre-enrollment": (12, "/idp/idx/credential/enroll"),
    "password-reset": (12, "/idp/idx/recover"),
    "account-unlock": (6, "/idp/idx/unlock-account"),
}
VOICE_SHARE = 0.03
SMS_CHANNELS = ("SMS", "SMS", "SMS", "sms")
VOICE_CHANNELS = ("voice call", "CALL", "Voice")  # current docs, 2022-23 docs, captured payloads
TEMPLATES = (
    ("en", "Your verification code is {otp}"),
    ("EN-US", "Your verification code is {otp}"),
    ("en", "{otp} is your one-time code. It expires in 5 minutes."),
    ("mi", "Ko {otp} tō waehere manatoko"),  # a macron makes it UCS-2 at the gateway
)
FIRST_NAMES = ("Aroha", "Wiremu", "Mei", "Liam", "Charlotte", "Tane", "Priya", "Olivia")
LAST_NAMES = ("Ngata", "Smith", "Chen", "Patel", "Wilson", "Parata", "Nguyen", "Brown")
_ID_CHARS = string.ascii_letters + string.digits


@dataclass(frozen=True)
class HookRequest:
    kind: str  # "sms" or "voice": what the answer must be
    request_type: str
    body: bytes


def okta_id(prefix: str, rng: random.Random, length: int = 20) -> str:
    return prefix + "".join(rng.choices(_ID_CHARS, k=length - len(prefix)))


def nz_mobile(rng: random.Random) -> str:
    """+6421/22/27 and 7 digits, the first never 0 (so never a test number)."""
    return f"+642{rng.choice('127')}{rng.randrange(1_000_000, 10_000_000)}"


def au_mobile(rng: random.Random) -> str:
    """+6141/2/3 and 7 digits: mobile ranges phonenumbers knows, never a test number."""
    return f"+614{rng.choice('123')}{rng.randrange(10_000_000):07d}"


def okta_form(e164: str, rng: random.Random) -> str:
    """The number as Okta may send it: E.164, without the ``+``, or (NZ) national."""
    forms = [e164, e164, e164, e164[1:]]
    if e164.startswith("+64"):
        national = "0" + e164[3:]
        forms += [national, f"{national[:3]} {national[3:6]} {national[6:]}"]
    return rng.choice(forms)


class RequestFactory:
    """One per simulated Okta org; ``next()`` gives the next request."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self.rng = rng or random.Random()
        self.hook_id = okta_id("cal", self.rng)
        self._types = list(REQUEST_TYPES)
        self._weights = [share for share, _ in REQUEST_TYPES.values()]

    def next(self) -> HookRequest:
        rng = self.rng
        request_type = rng.choices(self._types, self._weights)[0]
        voice = rng.random() < VOICE_SHARE
        number = nz_mobile(rng) if rng.random() < 0.7 else au_mobile(rng)
        document = self.document(request_type, okta_form(number, rng), voice=voice)
        return HookRequest("voice" if voice else "sms", request_type, orjson.dumps(document))

    def document(self, request_type: str, phone_number: str, *, voice: bool) -> dict[str, Any]:
        rng = self.rng
        now = time.time()
        otp = f"{rng.randrange(1_000_000):06d}"
        locale, template = rng.choice(TEMPLATES)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        return {
            "eventId": "".join(rng.choices(_ID_CHARS + "-_", k=22)),
            "eventTime": iso(now),
            "eventType": EVENT_TYPE,
            "eventTypeVersion": "1.0",
            "contentType": "application/json",
            "cloudEventVersion": "0.1",
            "source": f"https://load-test.okta.com/api/v1/inlineHooks/{self.hook_id}",
            "requestType": f"com.okta.user.telephony.{request_type}",
            "data": {
                "context": {
                    "request": {
                        "id": okta_id("req", rng, 25),
                        "method": "POST",
                        "url": {"value": REQUEST_TYPES[request_type][1]},
                        "ipAddress": f"203.0.113.{rng.randrange(1, 255)}",
                    }
                },
                "userProfile": {
                    "firstName": first,
                    "lastName": last,
                    "login": f"{first}.{last}{rng.randrange(1000)}@example.co.nz".lower(),
                    "userId": okta_id("00u", rng),
                },
                "messageProfile": {
                    "msgTemplate": template.format(otp=otp),
                    "phoneNumber": phone_number,
                    "otpExpires": iso(now + OTP_TTL_S),
                    "deliveryChannel": rng.choice(VOICE_CHANNELS if voice else SMS_CHANNELS),
                    "otpCode": otp,
                    "locale": locale,
                },
            },
        }
