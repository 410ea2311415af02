"""Okta's default password policy, as the reset form checks it. Pure."""

from __future__ import annotations

import re

MIN_LENGTH = 8
REQUIREMENTS = (
    "Password requirements: at least 8 characters, a lowercase letter, an uppercase letter, "
    "a number, no parts of your username."
)
NOT_MET = "Password requirements were not met. " + REQUIREMENTS
MISMATCH = "New passwords must match"
MAX_LENGTH = 256


def problem(password: str, again: str, *, login: str) -> str | None:
    """Why the new password is refused, in Okta's words; None when it is acceptable."""
    if password != again:
        return MISMATCH
    if (
        not MIN_LENGTH <= len(password) <= MAX_LENGTH
        or not re.search(r"[a-z]", password)
        or not re.search(r"[A-Z]", password)
        or not re.search(r"[0-9]", password)
        or any(part.casefold() in password.casefold() for part in _username_parts(login))
    ):
        return NOT_MET
    return None


def _username_parts(login: str) -> list[str]:
    """Okta's "no parts of your username": the pieces of the login split on . , - _ # @, of at
    least three characters."""
    return [part for part in re.split(r"[.,\-_#@]", login) if len(part) >= 3]
