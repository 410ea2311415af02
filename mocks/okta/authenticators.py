"""Security > Authenticators: where the org lets the Phone authenticator send SMS.

Okta decides per use whether a user may receive a code by SMS: for sign-in (the authentication
policy), for enrolment (the authenticator enrollment policy) and for recovery (the password
policy's recovery rule, which also covers account unlock). A use whose SMS is off is not offered
to the user at all, so no telephony hook call is made for it (Okta support: "Not seeing SMS as an
option when performing Self-Service Unlock or Password Reset"). No HTTP here.
"""

from __future__ import annotations

from dataclasses import dataclass

# The uses an admin switches, in the console's order, with their labels.
USES: dict[str, str] = {
    "sign-in": "Sign-in (authentication)",
    "enrolment": "Enrolment",
    "recovery": "Recovery (password reset and account unlock)",
}
# Which use each telephony requestType (CONTRACT.md §1) belongs to.
USE_OF_REQUEST = {
    "mfa-verification": "sign-in",
    "pre-enrollment": "enrolment",
    "password-reset": "recovery",
    "account-unlock": "recovery",
}


@dataclass(frozen=True)
class SmsRefused:
    """Why a flow may not send an SMS."""

    use: str

    @property
    def message(self) -> str:
        use = USES[self.use].lower()
        return f"Phone (SMS) is not enabled for {use} in Security > Authenticators"


class PhoneAuthenticator:
    """SMS on or off per use; a new org has SMS on for every use."""

    def __init__(self) -> None:
        self._sms = dict.fromkeys(USES, True)

    def reset(self) -> None:
        self._sms = dict.fromkeys(USES, True)

    def sms_enabled(self, use: str) -> bool:
        return self._sms[use]

    def set_sms(self, use: str, enabled: bool) -> None:
        if use not in USES:
            raise KeyError(use)
        self._sms[use] = enabled

    def settings(self) -> dict[str, bool]:
        return dict(self._sms)

    def sms_allowed(self, request_type: str) -> bool:
        """Whether a flow of this requestType may send its code by SMS."""
        return self._sms[USE_OF_REQUEST[request_type]]

    def refusal(self, request_type: str, channel: str) -> SmsRefused | None:
        """The reason a flow is refused, or None. Voice calls are not switched here."""
        if channel != "SMS" or self.sms_allowed(request_type):
            return None
        return SmsRefused(USE_OF_REQUEST[request_type])
