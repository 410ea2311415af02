"""The stack's watch over its three children: a child that dies is started again on its port
with the same state, and the restart is logged, so QA can test what a platform restart does to
the chain (``--no-restart``: stop the others instead).

mock EZITXT keeps its applications, passwords and messages in SQLite, and the connector holds no
state that matters, so both come back as they were. Mock Okta's org lives in memory: it comes
back empty and is wired again (new password, hook and user), as after ``stack reset``.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from mocks.stack.stack import Stack
from mocks.stack.wiring import Say

OKTA = "mock Okta"
MAX_RESTARTS = 5  # per child within RESTART_WINDOW_S, then the stack gives up: a crash loop
RESTART_WINDOW_S = 60.0


class Supervisor:
    def __init__(
        self, stack: Stack, *, say: Say, rewire: Callable[[], None], restart: bool = True
    ) -> None:
        self.stack = stack
        self.say = say
        self.rewire = rewire
        self.restart = restart
        self.restarts: dict[str, deque[float]] = {}

    def check(self) -> str | None:
        """Restart every child that has ended; the reason to stop the stack, or None."""
        for server in self.stack.servers:
            if server.running:
                continue
            ended = f"{server.name} ended ({server.exit_status})"
            if not self.restart:
                return f"{ended}; --no-restart: stopping the others"
            recent = self.restarts.setdefault(server.name, deque())
            now = time.monotonic()
            while recent and now - recent[0] > RESTART_WINDOW_S:
                recent.popleft()
            if len(recent) >= MAX_RESTARTS:
                return f"{ended}: {MAX_RESTARTS} restarts in {RESTART_WINDOW_S:g} s, giving up"
            recent.append(now)
            self.say(
                f"{ended}; restarting it on port {server.port} with the same state "
                f"({self.stack.workdir}), restart {len(recent)}"
            )
            try:
                self.stack.restart(server)
                if server.name == OKTA:
                    self.rewire()
            except Exception as exc:  # it did not come back: stop rather than limp on
                return f"{server.name} could not be restarted: {exc}"
            took = (time.monotonic() - now) * 1000
            again = "; its org wired again" if server.name == OKTA else ""
            self.say(
                f"{server.name} is back on port {server.port} (PID {server.pid}) "
                f"in {took:.0f} ms{again}"
            )
            self.stack.publish()
        return None
