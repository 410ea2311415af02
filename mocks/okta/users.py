"""Users: just enough of ``/api/v1/users`` for sign-in flows (a profile with a mobile phone)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mocks.okta import ids
from mocks.okta.errors import NotFound, ValidationFailed
from mocks.okta.times import Clock, iso

REQUIRED = ("firstName", "lastName", "email", "login")
OPTIONAL = ("mobilePhone", "locale", "primaryPhone")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


@dataclass
class User:
    id: str
    status: str
    profile: dict[str, str]
    created: float
    activated: float | None
    password_changed: float | None = None  # set by the sign-in page's password reset

    @property
    def login(self) -> str:
        return self.profile["login"]

    def to_json(self, base_url: str) -> dict[str, Any]:
        """The User object as Okta returns it (the fields a sign-in flow needs)."""
        return {
            "id": self.id,
            "status": self.status,
            "created": iso(self.created),
            "activated": iso(self.activated) if self.activated is not None else None,
            "statusChanged": iso(self.activated) if self.activated is not None else None,
            "lastLogin": None,
            "lastUpdated": iso(self.created),
            "passwordChanged": (
                iso(self.password_changed) if self.password_changed is not None else None
            ),
            "type": {"id": "oty" + self.id[3:]},
            "profile": dict(self.profile),
            "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}},
            "_links": {"self": {"href": f"{base_url}/api/v1/users/{self.id}"}},
        }


class UserStore:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._users: dict[str, User] = {}

    def reset(self) -> None:
        self._users.clear()

    def create(self, doc: Any, *, activate: bool) -> User:
        """Okta's create-user rules that matter here: the four base attributes are required and
        ``login`` is unique in the org (case-insensitively)."""
        profile = self._checked_profile(doc, None)
        now = self._clock()
        user = User(
            id=ids.okta_id(ids.USER_PREFIX),
            status="ACTIVE" if activate else "STAGED",
            profile={k: v for k, v in profile.items() if isinstance(v, str)},
            created=now,
            activated=now if activate else None,
        )
        self._users[user.id] = user
        return user

    def update(self, user_id: str, doc: Any) -> User:
        """A profile update, with the same rules as create (the login stays unique)."""
        user = self.get(user_id)
        profile = self._checked_profile(doc, user.id)
        user.profile = {k: v for k, v in profile.items() if isinstance(v, str) and v != ""}
        return user

    def list(self) -> list[User]:
        """Every user, oldest first."""
        return list(self._users.values())

    def _checked_profile(self, doc: Any, own_id: str | None) -> dict[str, Any]:
        profile = doc.get("profile") if isinstance(doc, dict) else None
        if not isinstance(profile, dict):
            raise ValidationFailed("profile", ["profile: The field cannot be left blank"])
        causes = [
            f"{name}: The field cannot be left blank"
            for name in REQUIRED
            if not isinstance(profile.get(name), str) or not profile[name].strip()
        ]
        causes += [
            f"{name}: must be a string"
            for name in OPTIONAL
            if name in profile and not isinstance(profile[name], str)
        ]
        for name in ("email", "login"):
            value = profile.get(name)
            if isinstance(value, str) and value and not _EMAIL.match(value):
                causes.append(f"{name}: Does not match required pattern")
        if not causes:
            existing = self._find(profile["login"])
            if existing is not None and existing.id != own_id:
                causes.append(
                    "login: An object with this field already exists in the current organization"
                )
        if causes:
            raise ValidationFailed(causes[0].split(":", 1)[0], causes)
        return profile

    def get(self, id_or_login: str) -> User:
        """By id, else by login, as ``GET /api/v1/users/{id or login}``."""
        user = self._users.get(id_or_login) or self._find(id_or_login)
        if user is None:
            raise NotFound(id_or_login, "User")
        return user

    def _find(self, login: str) -> User | None:
        wanted = login.casefold()
        return next((u for u in self._users.values() if u.login.casefold() == wanted), None)
