"""Start over without a restart: both mocks back to the freshly wired state.

Each mock's control plane forgets everything (``POST /_mock/reset``: mock Okta its hooks, users,
System Log, flows and rate-limit counters; mock EZITXT its applications, messages, faults and
queued callbacks), then the setup guide's steps run again, exactly as at start, in the stack's
``--auth`` mode (``oauth``: a new scope, client and OAUTH hook, whose connector settings the
caller hands to the running stack, ``connector_requests``). Any 2xx is a successful reset: the
mocks have answered 204 and 200 with a body.
"""

from __future__ import annotations

from mocks.stack.clients import Api
from mocks.stack.event_hook_wiring import EventHookSetup
from mocks.stack.wiring import Say, Wiring, wire

RESET_PATH = "/_mock/reset"
SUCCESS = tuple(range(200, 300))


def reset_and_wire(
    ezitxt_url: str,
    okta_url: str,
    api_token: str,
    *,
    say: Say,
    event_hook: EventHookSetup | None = None,
    auth: str = "header",
) -> Wiring:
    """Both mocks emptied, then wired again; with ``event_hook``, the connector's event hook
    registered and verified again as at start."""
    # Okta first: nothing it holds may call into EZITXT while EZITXT is emptied.
    for name, url in (("mock Okta", okta_url), ("mock EZITXT", ezitxt_url)):
        api = Api(url)
        try:
            api.call(f"reset {name}", "POST", RESET_PATH, ok=SUCCESS)
        finally:
            api.close()
        say(f"{name}: reset ({url}{RESET_PATH})")
    return wire(ezitxt_url, okta_url, api_token, say=say, event_hook=event_hook, auth=auth)
