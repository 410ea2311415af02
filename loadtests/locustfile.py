"""Locust users for the connector and the chain behind it.

``OktaHookCaller`` is Okta itself: varied telephony hook requests straight to the connector
(``--host``), with the hook's auth header, every answer checked against the response schema
and DESIGN.md's outcome table (``expect.py``). ``SignInUser`` is a person signing in through
mock Okta: Okta runs the flow (which calls the connector), the user reads the OTP off the mock
handset and verifies it, so the load covers Okta → connector → gateway → handset.

Run it through ``python -m loadtests.run`` (starts and wires the stack, or ``--target`` a
connector elsewhere); by hand: ``locust -f loadtests/locustfile.py --host <connector> --okta-url …
--ezitxt-url … --shape smoke`` with ``EZITXT_LOAD_AUTH_SECRET`` and ``EZITXT_LOAD_OKTA_TOKEN``
set, or ``locust … --host <connector> --shape smoke OktaHookCaller`` for the hook callers alone.
Nothing here prints an OTP, a message, a credential or a full phone number.
"""

from __future__ import annotations

import random
import re
import time
import uuid
from typing import Any
from urllib.parse import quote

from gevent.pool import Group  # type: ignore[import-untyped]
from locust import FastHttpUser, task
from locust.exception import StopUser

from loadtests import listeners  # noqa: F401  (registers the options, fault and budget check)
from loadtests.expect import FAULTS, AnswerChecker
from loadtests.shapes import ArrivalShape, poisson_arrivals
from loadtests.stages import HOOK_USER_RATE, HOOK_WEIGHT, SIGN_IN_USER_RATE, SIGN_IN_WEIGHT
from loadtests.telephony import REQUEST_TYPES, RequestFactory, au_mobile, nz_mobile

__all__ = ["ArrivalShape", "OktaHookCaller", "SignInUser"]

HOOK_PATH = "/okta/telephony"
OKTA_TIMEOUT_S = 3.0  # Okta gives up on a hook after 3 s; so does this caller
FIRST_LOOK_S = 0.5  # a message reaches the handset ~0.7 s after it is sent (mock EZITXT)
POLL_S = 0.2
HANDSET_WAIT_S = 6.0  # from the flow's answer: PENDING under a stalled gateway lands ~3.7 s on
OTP = re.compile(r"(?<!\d)\d{4,10}(?!\d)")
# The mocks run uvicorn, which closes a connection idle for 5 s; a client reusing it right then
# can lose its request (the server's close and the request cross). Sign-in users talk to the
# mocks' control planes, not to the system under test, so they act as a well-configured client
# does (idle expiry below the server's, DESIGN.md decision 10). OktaHookCaller does not: how
# Okta's own client treats idle connections is not documented, so the connector must cope.
CLIENT_IDLE_S = 4.0
# Sign-ins of one person before the next person takes over the Locust user: within the
# connector's per-number (5) and per-user (10) limits of 15 minutes, with room for a retry.
SIGN_INS_PER_PERSON = 3


def no_answer(error: BaseException | None) -> str:
    if isinstance(error, TimeoutError) or "timeout" in type(error).__name__.lower():
        return f"nothing within Okta's {OKTA_TIMEOUT_S:g} s"
    # e.g. HTTPConnectionClosed: the server closed a kept-alive connection as it was reused
    return type(error).__name__ if error is not None else "unknown error"


class OktaHookCaller(FastHttpUser):
    """A slice of Okta's traffic: calls arrive at ``HOOK_USER_RATE`` a second (Poisson), each
    in its own greenlet, never held back by the answers still out (open loop: Okta calls when
    people sign in). ``concurrency`` is this user's connections to the connector: more than
    its calls in flight can reach, as each is cut off at Okta's 3 s."""

    weight = HOOK_WEIGHT
    arrival_rate = HOOK_USER_RATE  # read by the shape: users for a rate
    request_names = ("hook: sms", "hook: voice")  # read by the budget check
    wait_time = poisson_arrivals(HOOK_USER_RATE)
    concurrency = 10
    network_timeout = OKTA_TIMEOUT_S
    connection_timeout = OKTA_TIMEOUT_S

    def on_start(self) -> None:
        options = self.environment.parsed_options
        self.factory = RequestFactory()
        self.checker = AnswerChecker(FAULTS[options.fault])
        self.headers = {
            options.auth_field: options.auth_secret,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self.in_flight = Group()

    @task
    def arrival(self) -> None:
        self.in_flight.spawn(self._call)

    def on_stop(self) -> None:
        self.in_flight.join(timeout=OKTA_TIMEOUT_S + 1)  # answers still out are counted

    def _call(self) -> None:
        try:
            self.telephony_hook()
        except Exception as exc:  # a bug here: counted by Locust, as in a task
            self.environment.events.user_error.fire(
                user_instance=self, exception=exc, tb=exc.__traceback__
            )

    def telephony_hook(self) -> None:
        request = self.factory.next()
        with self.client.post(
            HOOK_PATH,
            data=request.body,  # type: ignore[arg-type]  # bytes go out as they are
            headers=self.headers,
            name=f"hook: {request.kind}",
            catch_response=True,
        ) as response:
            if response.status_code == 0:  # no HTTP answer at all: Okta would fall back
                response.failure(f"no answer: {no_answer(response.error)}")
                return
            problem = self.checker.hook_answer(request.kind, response.status_code, response.content)
            if problem:
                response.failure(problem)
            else:
                response.success()


class SignInUser(FastHttpUser):
    """A person signing in: one sign-in at a time (a person waits for the SMS), a new one every
    ``1 / SIGN_IN_USER_RATE`` s on average."""

    weight = SIGN_IN_WEIGHT
    arrival_rate = SIGN_IN_USER_RATE
    request_names = ("okta: create user", "okta: flow", "ezitxt: handset", "okta: verify")
    wait_time = poisson_arrivals(SIGN_IN_USER_RATE)
    network_timeout = OKTA_TIMEOUT_S + 1  # mock Okta's own answer waits on the hook's 3 s
    connection_timeout = OKTA_TIMEOUT_S

    def on_start(self) -> None:
        options = self.environment.parsed_options
        self.okta = options.okta_url
        self.ezitxt = options.ezitxt_url
        self.checker = AnswerChecker(FAULTS[options.fault])
        self.types = list(REQUEST_TYPES)
        self.weights = [share for share, _ in REQUEST_TYPES.values()]
        self._new_person()

    def _new_person(self) -> None:
        """A Locust user is a stream of people, each with their own Okta user and phone: a
        person signs in a few times (``SIGN_INS_PER_PERSON``), then the next one does, as real
        traffic spreads over many numbers, users and prefixes; one person signing in every 4 s
        for minutes would be a script the connector's velocity limits rightly refuse."""
        options = self.environment.parsed_options
        self.sign_ins = 0
        rng = random.Random()
        self.phone = nz_mobile(rng) if rng.random() < 0.7 else au_mobile(rng)
        login = f"load-{uuid.uuid4().hex[:16]}@example.co.nz"
        profile = {"firstName": "Load", "lastName": "Tester", "email": login, "login": login}
        with self.client.post(
            f"{self.okta}/api/v1/users?activate=true",
            json={"profile": {**profile, "mobilePhone": self.phone}},
            headers={"Authorization": f"SSWS {options.okta_api_token}"},
            name="okta: create user",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                raise StopUser()
            self.login = login

    @task
    def sign_in(self) -> None:
        now = time.monotonic()
        if now - getattr(self, "_last_task", now) > CLIENT_IDLE_S:
            self.client.client.clientpool.close()  # new connections, made on first use
        self._last_task = now
        if self.sign_ins >= SIGN_INS_PER_PERSON:
            self._new_person()
        self.sign_ins += 1
        request_type = random.choices(self.types, self.weights)[0]
        with self.client.post(
            f"{self.okta}/_mock/flows",
            json={"user": self.login, "requestType": request_type, "channel": "SMS"},
            name="okta: flow",
            catch_response=True,
        ) as response:
            flow = self._flow(response)
        if flow is None:
            return
        otp = self._read_handset(flow["eventId"])
        if otp is None:
            return
        with self.client.post(
            f"{self.okta}/_mock/flows/{flow['id']}/verify",
            json={"otp": otp},
            name="okta: verify",
            catch_response=True,
        ) as response:
            result = response.json().get("result") if response.status_code == 200 else None
            if result == "SUCCESS":
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}, result {result}")

    def _flow(self, response: Any) -> dict[str, Any] | None:
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

    def _read_handset(self, event_id: str) -> str | None:
        """The OTP of this flow's message (matched by its reference, the eventId), polled from
        the handset until it is received."""
        url = f"{self.ezitxt}/_mock/handsets/{quote(self.phone, safe='')}/messages?limit=10"
        deadline = time.monotonic() + HANDSET_WAIT_S
        time.sleep(FIRST_LOOK_S)  # gevent's sleep: other users run meanwhile
        while True:
            with self.client.get(url, name="ezitxt: handset", catch_response=True) as response:
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
