"""The sign-in page's sessions: server-side state behind a random cookie, each with its CSRF token.

Only the session id travels in the cookie; the journey (who, which flow, what to show) stays on
the server, so a client can neither forge nor replay a step. The store is bounded in count and
idle time, so a client that opens sessions in a loop cannot grow it without end.
"""

from __future__ import annotations

import hmac
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field

from mocks.okta.times import Clock

# Okta Identity Engine keeps its sign-in state in a cookie of this name.
COOKIE = "idx"
IDLE_TIMEOUT_S = 30 * 60.0
MAX_SESSIONS = 5_000
# A code stops working after this many wrong tries (the mock's rule; Okta's policies lock out).
MAX_CODE_ATTEMPTS = 5

PURPOSES = {
    "mfa-verification": "Sign In",
    "account-unlock": "Unlock account?",
    "password-reset": "Reset your password",
}


@dataclass
class Notice:
    """One message on the next page: ``level`` is ``error``, ``info`` or ``success``."""

    level: str
    text: str


@dataclass
class Journey:
    """One pass through the widget: sign-in, account unlock or password reset."""

    purpose: str = "mfa-verification"
    user_id: str | None = None
    flow_id: str | None = None  # the latest flow that issued a code
    last_flow_id: str | None = None  # the latest flow, whatever it did (for the QA note)
    wrong_codes: int = 0
    verified: bool = False
    finished: bool = False
    notices: list[Notice] = field(default_factory=list)


@dataclass
class SignInSession:
    id: str
    csrf_token: str
    touched: float
    journey: Journey = field(default_factory=Journey)

    def csrf_ok(self, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(token.encode(), self.csrf_token.encode())

    def start(self, purpose: str) -> Journey:
        self.journey = Journey(purpose=purpose)
        return self.journey

    def take_notices(self) -> list[Notice]:
        notices, self.journey.notices = self.journey.notices, []
        return notices


class SessionStore:
    def __init__(
        self,
        clock: Clock,
        *,
        idle_timeout_s: float = IDLE_TIMEOUT_S,
        max_sessions: int = MAX_SESSIONS,
    ) -> None:
        self._clock = clock
        self.idle_timeout_s = idle_timeout_s
        self.max_sessions = max_sessions
        self._sessions: OrderedDict[str, SignInSession] = OrderedDict()

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, session_id: str | None) -> SignInSession | None:
        """The live session with that id, touched; None for an unknown or idle one."""
        if not session_id:
            return None
        session = self._sessions.get(session_id)
        now = self._clock()
        if session is None or now - session.touched > self.idle_timeout_s:
            self._sessions.pop(session_id, None)
            return None
        session.touched = now
        self._sessions.move_to_end(session_id)
        return session

    def create(self) -> SignInSession:
        """A new session; the least recently used one goes when the store is full."""
        while len(self._sessions) >= self.max_sessions:
            self._sessions.popitem(last=False)
        session = SignInSession(
            id=secrets.token_urlsafe(24),
            csrf_token=secrets.token_urlsafe(24),
            touched=self._clock(),
        )
        self._sessions[session.id] = session
        return session

    def drop(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)
