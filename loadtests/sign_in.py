"""A person's steps through mock Okta and the EZITXT handset, shared by the user classes that
sign in (``SignInUser`` in the locustfile, ``LegitimateSignIn`` in ``pumping_users.py``):
create the Okta user, ask for a flow (Okta calls the connector), read the code off the handset,
verify it. Each step records its request under the names the budgets use and answers None
when it failed (the failure is in Locust's statistics, with its reason).

A mixin for a ``FastHttpUser``: it needs ``self.client``, ``self.okta``, ``self.ezitxt``,
``self.checker`` and ``self.phone``. Nothing here prints an OTP, a message or a full number.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any
from urllib.parse import quote

OKTA_TIMEOUT_S = 3.0  # Okta gives up on a hook after 3 s
FIRST_LOOK_S = 0.5  # a message reaches the handset ~0.7 s after it is sent (mock EZITXT)
POLL_S = 0.2
HANDSET_WAIT_S = 6.0  # from the flow's answer: PENDING under a stalled gateway lands ~3.7 s on
OTP = re.compile(r"(?<!\d)\d{4,10}(?!\d)")
CREATE_USER = "okta: create user"
FLOW = "okta: flow"
HANDSET = "ezitxt: handset"
VERIFY = "okta: verify"
REQUEST_NAMES = (CREATE_USER, FLOW, HANDSET, VERIFY)

# The mocks run uvicorn, which closes a connection idle for 5 s; a client reusing it right then
# can lose its request (the server's close and the request cross). Sign-in users talk to the
# mocks' control planes, not to the system under test, so they act as a well-configured client
# does (idle expiry below the server's, DESIGN.md decision 10). OktaHookCaller does not: how
# Okta's own client treats idle connections is not documented, so the connector must cope.
CLIENT_IDLE_S = 4.0


def no_answer(error: BaseException | None) -> str:
    if isinstance(error, TimeoutError) or "timeout" in type(error).__name__.lower():
        return f"nothing within Okta's {OKTA_TIMEOUT_S:g} s"
    # e.g. HTTPConnectionClosed: the server closed a kept-alive connection as it was reused
    return type(error).__name__ if error is not None else "unknown error"


def new_login(kind: str = "load") -> str:
    return f"{kind}-{uuid.uuid4().hex[:16]}@example.co.nz"


class SignInSteps:
    client: Any
    okta: str
    ezitxt: str
    checker: Any
    phone: str
    environment: Any

    def drop_idle_connections(self) -> None:
        """Before a task: connections idle past ``CLIENT_IDLE_S`` are closed, new ones made on
        first use."""
        now = time.monotonic()
        if now - getattr(self, "_last_task", now) > CLIENT_IDLE_S:
            self.client.client.clientpool.close()
        self._last_task = now

    def create_user(self, login: str, phone: str, *, name: str = CREATE_USER) -> bool:
        """An active Okta user with ``phone`` as its mobile; False (a failure) otherwise."""
        profile = {"firstName": "Load", "lastName": "Tester", "email": login, "login": login}
        token = self.environment.parsed_options.okta_api_token
        with self.client.post(
            f"{self.okta}/api/v1/users?activate=true",
            json={"profile": {**profile, "mobilePhone": phone}},
            headers={"Authorization": f"SSWS {token}"},
            name=name,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return False
            return True

    def start_flow(self, login: str, request_type: str) -> dict[str, Any] | None:
        """``POST /_mock/flows``: the flow as mock Okta ran it, when its outcome is right."""
        with self.client.post(
            f"{self.okta}/_mock/flows",
            json={"user": login, "requestType": request_type, "channel": "SMS"},
            name=FLOW,
            catch_response=True,
        ) as response:
            if response.status_code == 0:
                response.failure(f"no answer: {no_answer(response.error)}")
                return None
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return None
            flow: dict[str, Any] = response.json()
            problem = self.checker.flow(flow)
            if problem:
                response.failure(problem)
                return None
            response.success()
            return flow

    def read_handset(self, event_id: str) -> str | None:
        """The OTP of this flow's message (matched by its reference, the eventId), polled from
        the handset until it is received."""
        url = f"{self.ezitxt}/_mock/handsets/{quote(self.phone, safe='')}/messages?limit=10"
        deadline = time.monotonic() + HANDSET_WAIT_S
        time.sleep(FIRST_LOOK_S)  # gevent's sleep: other users run meanwhile
        while True:
            with self.client.get(url, name=HANDSET, catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"HTTP {response.status_code}")
                    return None
                for message in response.json()["messages"]:
                    if message.get("reference") == event_id:
                        found = OTP.search(message.get("content", ""))
                        if found is None:
                            response.failure("message on the handset holds no code")
                            return None
                        response.success()
                        return found.group(0)
                if time.monotonic() > deadline:
                    response.failure(f"OTP not on the handset {HANDSET_WAIT_S:g} s after the flow")
                    return None
                response.success()
            time.sleep(POLL_S)

    def verify(self, flow_id: str, otp: str) -> bool:
        with self.client.post(
            f"{self.okta}/_mock/flows/{flow_id}/verify",
            json={"otp": otp},
            name=VERIFY,
            catch_response=True,
        ) as response:
            result = response.json().get("result") if response.status_code == 200 else None
            if result == "SUCCESS":
                response.success()
                return True
            response.failure(f"HTTP {response.status_code}, result {result}")
            return False
