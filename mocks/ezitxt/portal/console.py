"""The console's settings and state: the demo account and the signed-in sessions."""

from __future__ import annotations

from dataclasses import dataclass, field

from mocks.ezitxt.portal.sessions import Sessions

DEFAULT_CONSOLE_USER = "qa@ezitxt.test"
DEFAULT_CONSOLE_PASSWORD = "ezitxt-demo-password"


@dataclass
class Console:
    user: str = DEFAULT_CONSOLE_USER
    password: str = DEFAULT_CONSOLE_PASSWORD
    sessions: Sessions = field(default_factory=Sessions)

    def __post_init__(self) -> None:
        if not self.user or not self.password:
            raise ValueError("the console needs a user name and a password")
