"""Locust users for the connector and the chain behind it.

``OktaHookCaller`` is Okta itself: varied telephony hook requests straight to the connector
(``--host``), with the hook's auth header, every answer checked against the response schema
and DESIGN.md's outcome table (``expect.py``). ``SignInUser`` is a person signing in through
mock Okta: Okta runs the flow (which calls the connector), the user reads the OTP off the mock
handset and verifies it, so the load covers Okta → connector → gateway → handset.

``LegitimateSignIn`` and ``PumpingBot`` run in the ``pumping`` shape alone
(``pumping_users.py``): each stage of a shape names the classes it runs (``stages.py``).

Run it through ``python -m loadtests.run`` (starts and wires the stack, or ``--target`` a
connector elsewhere); by hand: ``locust -f loadtests/locustfile.py --host <connector> --okta-url …
--ezitxt-url … --shape smoke`` with ``EZITXT_LOAD_AUTH_SECRET`` and ``EZITXT_LOAD_OKTA_TOKEN``
set, or ``locust … --host <connector> --shape smoke OktaHookCaller`` for the hook callers alone.
Nothing here prints an OTP, a message, a credential or a full phone number.
"""

from __future__ import annotations

import random

from gevent.pool import Group  # type: ignore[import-untyped]
from locust import FastHttpUser, task
from locust.exception import StopUser

from loadtests import listeners  # noqa: F401  (registers the options, fault and budget check)
from loadtests.expect import FAULTS, AnswerChecker
from loadtests.pumping_users import LegitimateSignIn, PumpingBot
from loadtests.shapes import ArrivalShape, poisson_arrivals
from loadtests.sign_in import OKTA_TIMEOUT_S, REQUEST_NAMES, SignInSteps, new_login, no_answer
from loadtests.stages import HOOK_USER_RATE, HOOK_WEIGHT, SIGN_IN_USER_RATE, SIGN_IN_WEIGHT
from loadtests.telephony import REQUEST_TYPES, RequestFactory, au_mobile, nz_mobile

__all__ = ["ArrivalShape", "LegitimateSignIn", "OktaHookCaller", "PumpingBot", "SignInUser"]

HOOK_PATH = "/okta/telephony"
# Sign-ins of one person before the next person takes over the Locust user: within the
# connector's per-number (5) and per-user (10) limits of 15 minutes, with room for a retry.
SIGN_INS_PER_PERSON = 3


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


class SignInUser(SignInSteps, FastHttpUser):
    """A stream of people signing in: one sign-in at a time (a person waits for the SMS), a new
    one every ``1 / SIGN_IN_USER_RATE`` s on average, each person signing in
    ``SIGN_INS_PER_PERSON`` times before the next one takes over."""

    weight = SIGN_IN_WEIGHT
    arrival_rate = SIGN_IN_USER_RATE
    request_names = REQUEST_NAMES
    needs_mocks = True  # mock Okta's flows and the EZITXT handsets (--okta-url, --ezitxt-url)
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
        self.sign_ins = 0
        rng = random.Random()
        self.phone = nz_mobile(rng) if rng.random() < 0.7 else au_mobile(rng)
        login = new_login()
        if not self.create_user(login, self.phone):
            raise StopUser()
        self.login = login

    @task
    def sign_in(self) -> None:
        self.drop_idle_connections()
        if self.sign_ins >= SIGN_INS_PER_PERSON:
            self._new_person()
        self.sign_ins += 1
        request_type = random.choices(self.types, self.weights)[0]
        flow = self.start_flow(self.login, request_type)
        if flow is None:
            return
        otp = self.read_handset(flow["eventId"])
        if otp is not None:
            self.verify(flow["id"], otp)
