"""The console's settings and state: the demo account, what it may see, and the signed-in
sessions."""

from __future__ import annotations

from dataclasses import dataclass, field

from mocks.ezitxt.portal.sessions import Sessions

DEFAULT_CONSOLE_USER = "qa@ezitxt.test"
DEFAULT_CONSOLE_PASSWORD = "ezitxt-demo-password"


@dataclass
class Console:
    user: str = DEFAULT_CONSOLE_USER
    password: str = DEFAULT_CONSOLE_PASSWORD
    # Whether the account holds the permission to read message content (EZITXT's Mobile Report
    # shows Content only to users permitted to see it, CONTRACT.md §5). Without it no page
    # shows a message's text, whatever the query string asks.
    content_allowed: bool = True
    sessions: Sessions = field(default_factory=Sessions)

    def __post_init__(self) -> None:
        if not self.user or not self.password:
            raise ValueError("the console needs a user name and a password")
