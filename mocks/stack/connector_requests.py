"""``stack reset`` asks the running stack to give its connector new settings, and waits.

The connector is a child of the stack's process, watched by its supervisor: ``stack reset``, a
process of its own, cannot restart it. When the wiring it redid needs other connector settings
(``--auth oauth``: a new OAuth client mapped to EZITXT's new password), it writes them to the
state folder as a request; the stack's loop, every half second, takes the request, restarts the
connector with them (``Stack.configure_connector``), publishes ``stack.json`` again (new PID)
and answers. The files are mode 600: the settings hold the EZITXT secret.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from mocks.stack.stack import Stack
from mocks.stack.state import ANSWER_FILE, REQUEST_FILE, StateFolder, stack_holds
from mocks.stack.wiring import Say

# Stopping the connector (10 s, then SIGKILL and 10 s), its port freed (10 s), its start (30 s).
ANSWER_WAIT_S = 70.0
POLL_S = 0.1


class NotReconfigured(RuntimeError):
    pass


def ask(folder: Path, env: dict[str, str], *, wait_s: float = ANSWER_WAIT_S) -> None:
    """Have the stack holding ``folder`` restart its connector with ``env``; returns once it
    answers with them. NotReconfigured with the reason otherwise."""
    state = StateFolder(folder)
    request_id = secrets.token_hex(8)
    state.take(ANSWER_FILE)  # an answer to an earlier request that gave up waiting
    state.write_private(REQUEST_FILE, {"id": request_id, "env": env})
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        answer = state.take(ANSWER_FILE)
        if answer is not None and answer.get("id") == request_id:
            if answer.get("error"):
                raise NotReconfigured(
                    f"the stack could not restart its connector: {answer['error']}"
                )
            return
        if not stack_holds(folder):
            raise NotReconfigured(f"the stack of {folder} stopped before its connector restarted")
        time.sleep(POLL_S)
    state.take(REQUEST_FILE)
    raise NotReconfigured(f"the stack of {folder} did not restart its connector in {wait_s:g} s")


def serve(stack: Stack, *, say: Say) -> bool:
    """The stack's side: a pending request carried out and answered. Whether there was one."""
    request = stack.state.take(REQUEST_FILE)
    if request is None:
        return False
    env = request.get("env")
    error = None
    if not isinstance(env, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in env.items()
    ):
        error = "the request holds no settings"
    else:
        say("stack reset: restarting the connector with the settings of the new wiring")
        try:
            stack.configure_connector(env)
        except Exception as exc:  # its supervisor restarts it if it died: say why here
            error = str(exc)
        stack.publish()
    stack.state.write_private(ANSWER_FILE, {"id": request.get("id"), "error": error})
    return True
