"""Users: enough of ``/api/v1/users`` for sign-in flows (a profile with a mobile phone) and for
Okta's SDKs to list them (``q``, ``filter``, ``search``, ``limit``, ``after``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mocks.okta import ids, user_query
from mocks.okta.errors import NotFound, ValidationFailed
from mocks.okta.times import Clock

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

    @property
    def last_updated(self) -> float:
        # The mock keeps no time of profile updates: lastUpdated stays the creation time.
        return self.created

    @property
    def type_id(self) -> str:
        """Okta's default user type (``oty…``), one per org in the mock."""
        return "oty" + self.id[3:]

    def fields(self) -> dict[str, Any]:
        """What ``filter`` and ``search`` expressions read: dates in epoch seconds at the
        milliseconds Okta writes them with, profile attributes as ``profile.<name>``."""
        moments = {
            "created": self.created,
            "activated": self.activated,
            "statusChanged": self.activated,
            "lastUpdated": self.last_updated,
        }
        fields: dict[str, Any] = {k: None if v is None else round(v, 3) for k, v in moments.items()}
        fields.update(id=self.id, status=self.status, **{"type.id": self.type_id})
        fields.update({f"profile.{name}": value for name, value in self.profile.items()})
        return fields


@dataclass(frozen=True)
class UserQuery:
    """``GET /api/v1/users`` parameters, parsed. ``q`` and the list without parameters leave
    out DEPROVISIONED users; ``filter`` and ``search`` do not (Okta's listUsers)."""

    q: str | None = None
    filter: str | None = None
    search: str | None = None
    limit: int = 200
    after: str | None = None
    sort_by: str | None = None
    descending: bool = False


@dataclass(frozen=True)
class UserPage:
    users: list[User]
    next_after: str | None


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

    def query(self, query: UserQuery) -> UserPage:
        """One page of users, oldest first (or by ``sort_by``, ties by id); the cursor of the
        next page is the id of the last user on this one. ``q`` pages no further (Okta)."""
        users = self.list()
        if query.filter is None and query.search is None:
            users = [u for u in users if u.status != "DEPROVISIONED"]
        if query.q is not None:
            wanted = query.q.casefold()
            users = [u for u in users if _starts_with(u, wanted)]
        for text, dialect in ((query.filter, user_query.FILTER), (query.search, user_query.SEARCH)):
            if text is not None:
                matches = user_query.parse(text, dialect)
                users = [u for u in users if matches(u.fields())]
        if query.sort_by is not None:
            key = query.sort_by
            users.sort(key=lambda u: u.id)
            users.sort(key=lambda u: _sort_key(u.fields().get(key)), reverse=query.descending)
        if query.after is not None:
            position = next((i for i, u in enumerate(users) if u.id == query.after), None)
            users = users[position + 1 :] if position is not None else []
        page = users[: query.limit]
        more = len(users) > query.limit and query.q is None
        return UserPage(page, page[-1].id if more and page else None)

    def get(self, id_or_login: str) -> User:
        """By id, else by login, as ``GET /api/v1/users/{id or login}``."""
        user = self._users.get(id_or_login) or self._find(id_or_login)
        if user is None:
            raise NotFound(id_or_login, "User")
        return user

    def _find(self, login: str) -> User | None:
        wanted = login.casefold()
        return next((u for u in self._users.values() if u.login.casefold() == wanted), None)


def _starts_with(user: User, wanted: str) -> bool:
    """``q``: a startsWith match on firstName, lastName or email (Okta's listUsers)."""
    names = (user.profile.get(k, "") for k in ("firstName", "lastName", "email"))
    return any(name.casefold().startswith(wanted) for name in names)


def _sort_key(value: Any) -> tuple[int, str | float]:
    """Missing values sort last; numbers and text never compare with each other."""
    if value is None:
        return (2, "")
    if isinstance(value, int | float):
        return (0, float(value))
    return (1, str(value).casefold())
