"""Console sessions: a signed cookie naming a server-side session, and its CSRF token.

The cookie holds only a random session id, signed with itsdangerous (a forged or edited cookie
is refused before any lookup); the session itself lives here, so signing out ends it for good.
Every session, signed in or not, carries its own CSRF token: the sign-in form is protected too
(login CSRF). Signing in starts a fresh session, so an id planted before sign-in is worthless.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "ezitxt_portal"
MAX_AGE_S = 12 * 3600
# Bounds on memory, the oldest forgotten first. Anonymous sessions (a sign-in form's CSRF token)
# are kept apart, so that a client fetching the sign-in page in a loop cannot push out the
# sessions of people who are signed in.
MAX_SESSIONS = 10_000
MAX_ANONYMOUS = 10_000


@dataclass(slots=True)
class Session:
    id: str
    csrf: str
    user: str | None
    created: float


class Sessions:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._signer = URLSafeTimedSerializer(secrets.token_bytes(32), salt="ezitxt-portal")
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._anonymous: OrderedDict[str, Session] = OrderedDict()
        self._clock = clock

    def start(self, user: str | None = None) -> Session:
        session = Session(secrets.token_urlsafe(24), secrets.token_urlsafe(24), user, self._clock())
        kept, cap = (
            (self._anonymous, MAX_ANONYMOUS) if user is None else (self._sessions, MAX_SESSIONS)
        )
        kept[session.id] = session
        while len(kept) > cap:
            kept.popitem(last=False)
        return session

    def find(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            session_id = self._signer.loads(cookie, max_age=MAX_AGE_S)
        except BadSignature:
            return None
        if not isinstance(session_id, str):
            return None
        session = self._sessions.get(session_id) or self._anonymous.get(session_id)
        if session is None or self._clock() - session.created > MAX_AGE_S:
            return None
        return session

    def end(self, session: Session) -> None:
        self._sessions.pop(session.id, None)
        self._anonymous.pop(session.id, None)

    def cookie_value(self, session: Session) -> str:
        return self._signer.dumps(session.id)


def csrf_ok(session: Session | None, sent: object) -> bool:
    return (
        session is not None
        and isinstance(sent, str)
        and hmac.compare_digest(session.csrf.encode(), sent.encode())
    )


def credentials_ok(user: str, password: str, want_user: str, want_password: str) -> bool:
    """Both compared in constant time, and both always compared."""
    user_ok = hmac.compare_digest(user.encode(), want_user.encode())
    password_ok = hmac.compare_digest(password.encode(), want_password.encode())
    return user_ok and password_ok
