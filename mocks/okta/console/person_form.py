"""Directory > People: the person form's fields to a user profile, and the API's error causes
(``login: …``) back to the fields. Pure; the rules are ``mocks.okta.users``'s."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from mocks.okta.users import User

# form field → profile attribute, in the form's order (Okta's labels).
FIELDS = [
    ("first_name", "firstName", "First name"),
    ("last_name", "lastName", "Last name"),
    ("login", "login", "Username"),
    ("email", "email", "Primary email"),
    ("mobile_phone", "mobilePhone", "Mobile phone"),
]
FIELD_OF_ATTRIBUTE = {attribute: name for name, attribute, _ in FIELDS}


@dataclass
class PersonForm:
    first_name: str = ""
    last_name: str = ""
    login: str = ""
    email: str = ""
    mobile_phone: str = ""

    @classmethod
    def from_form(cls, form: Mapping[str, Any]) -> PersonForm:
        return cls(**{name: str(form.get(name, "")).strip() for name, _, _ in FIELDS})

    @classmethod
    def from_user(cls, user: User) -> PersonForm:
        return cls(**{name: user.profile.get(attribute, "") for name, attribute, _ in FIELDS})

    def profile(self, current: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The profile to save: the form's attributes over the user's others (locale…)."""
        profile = dict(current or {})
        values = asdict(self)
        for name, attribute, _ in FIELDS:
            profile[attribute] = values[name]
        if not profile.get("mobilePhone"):
            profile.pop("mobilePhone", None)
        return {"profile": profile}


def field_errors(causes: Iterable[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for cause in causes:
        attribute, sep, message = cause.partition(": ")
        name = FIELD_OF_ATTRIBUTE.get(attribute) if sep else None
        found.setdefault(name or "general", []).append(message if name else cause)
    return found
