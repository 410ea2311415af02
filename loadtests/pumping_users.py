# mypy: disable-error-code="untyped-decorator"
# (Locust's event decorators carry no types.)
"""The ``pumping`` shape's users (``stages.py`` runs them there alone): people signing in, and
a toll-fraud bot (``pumping.py`` says what the run measures).

- ``LegitimateSignIn``: a new person every arrival (``LEGIT_USER_RATE`` a second per Locust
  user, Poisson): a fresh Okta user with its own NZ (70%) or AU mobile, one sign-in of the
  day's mix of request types, the code read off the EZITXT handset and verified, which makes
  mock Okta deliver the event the connector's conversion feedback counts. Numbers, users and
  prefixes spread as real traffic does, so no per-number, per-user or per-prefix limit meets
  one of them twice.
- ``PumpingBot``: ``BOT_USER_RATE`` code requests a second per Locust user, open loop (each in
  its own greenlet: a bot does not wait for answers), from the time the shape says it joins;
  each a fresh Okta user enrolling a fresh number in ``pumping.BOT_RANGE``; it never enters a
  code. Okta's answer is tallied by what
  became of it (sent by the hook, refused by which control, then sent by Okta's own provider);
  only a broken answer (no answer, HTTP error, a hook outcome other than sent or refused) is a
  failure.

The tallies are summed on the master: each worker adds its own to its stats report.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from typing import Any

from gevent.pool import Group  # type: ignore[import-untyped]
from locust import FastHttpUser, events, task

from loadtests import pumping, shapes
from loadtests.expect import FAULTS, AnswerChecker
from loadtests.shapes import poisson_arrivals
from loadtests.sign_in import OKTA_TIMEOUT_S, REQUEST_NAMES, SignInSteps, new_login, no_answer
from loadtests.stages import BOT_USER_RATE, BOT_WEIGHT, LEGIT_USER_RATE, LEGIT_WEIGHT
from loadtests.telephony import REQUEST_TYPES, au_mobile, nz_mobile

BOT_CREATE_USER = "bot: create user"
BOT_FLOW = "bot: flow"
TALLY_KEY = "pumping_tally"

tally: Counter[str] = Counter()
_started: dict[str, float] = {}


@events.test_start.add_listener
def note_start(**_: Any) -> None:
    # Every node, workers too: the bot's join time is counted from here.
    _started["at"] = time.monotonic()


@events.report_to_master.add_listener
def send_tally(client_id: str, data: dict[str, Any], **_: Any) -> None:
    data[TALLY_KEY] = dict(tally)
    tally.clear()


@events.worker_report.add_listener
def add_tally(client_id: str, data: dict[str, Any], **_: Any) -> None:
    tally.update(data.get(TALLY_KEY) or {})


class _MockUser(SignInSteps, FastHttpUser):
    abstract = True
    needs_mocks = True  # mock Okta's flows and the EZITXT handsets (--okta-url, --ezitxt-url)
    network_timeout = OKTA_TIMEOUT_S + 1  # mock Okta's own answer waits on the hook's 3 s
    connection_timeout = OKTA_TIMEOUT_S

    def on_start(self) -> None:
        options = self.environment.parsed_options
        self.okta = options.okta_url
        self.ezitxt = options.ezitxt_url
        self.checker = AnswerChecker(FAULTS[options.fault])
        self.rng = random.Random()


class LegitimateSignIn(_MockUser):
    """A new person each arrival: create, sign in, read the code, verify."""

    weight = LEGIT_WEIGHT
    arrival_rate = LEGIT_USER_RATE
    request_names = REQUEST_NAMES
    wait_time = poisson_arrivals(LEGIT_USER_RATE)
    types = list(REQUEST_TYPES)
    shares = [share for share, _ in REQUEST_TYPES.values()]

    @task
    def sign_in(self) -> None:
        self.drop_idle_connections()
        rng = self.rng
        self.phone = nz_mobile(rng) if rng.random() < 0.7 else au_mobile(rng)
        login = new_login("person")
        if not self.create_user(login, self.phone):
            return
        # Counted once judged (refused, or the handset read or given up on): a sign-in the end
        # of the run cut off (its greenlet killed mid-request) was never delivered or refused.
        flow = self.start_flow(login, rng.choices(self.types, self.shares)[0])
        if flow is None:
            tally[pumping.LEGIT_STARTED] += 1
            return
        otp = self.read_handset(flow["eventId"])
        tally[pumping.LEGIT_STARTED] += 1
        if otp is None:
            return
        tally[pumping.LEGIT_DELIVERED] += 1
        if self.verify(flow["id"], otp):
            tally[pumping.LEGIT_VERIFIED] += 1


class PumpingBot(_MockUser):
    """Code requests to the bot's range, open loop, never verified."""

    weight = BOT_WEIGHT
    arrival_rate = BOT_USER_RATE
    request_names = (BOT_CREATE_USER, BOT_FLOW)
    wait_time = poisson_arrivals(BOT_USER_RATE)
    concurrency = 10

    def on_start(self) -> None:
        super().on_start()
        self.in_flight = Group()
        shape = shapes.chosen_shape(self.environment.parsed_options, self.environment.user_classes)
        joins = _started.get("at", time.monotonic()) + shape.joins_at(type(self).__name__)
        time.sleep(max(0.0, joins - time.monotonic()))  # gevent's: the others run meanwhile

    @task
    def arrival(self) -> None:
        self.in_flight.spawn(self._attempt)

    def on_stop(self) -> None:
        self.in_flight.join(timeout=OKTA_TIMEOUT_S + 2)  # answers still out are counted

    def _attempt(self) -> None:
        try:
            self.request_code()
        except Exception as exc:  # a bug here: counted by Locust, as in a task
            self.environment.events.user_error.fire(
                user_instance=self, exception=exc, tb=exc.__traceback__
            )

    def request_code(self) -> None:
        login = new_login("bot")
        if not self.create_user(login, pumping.bot_number(self.rng), name=BOT_CREATE_USER):
            return
        with self.client.post(
            f"{self.okta}/_mock/flows",
            json={"user": login, "requestType": pumping.BOT_REQUEST_TYPE, "channel": "SMS"},
            name=BOT_FLOW,
            catch_response=True,
        ) as response:
            tally[pumping.BOT_REQUESTS] += 1  # answered (or not) before the run ended
            if response.status_code == 0:
                response.failure(f"no answer: {no_answer(response.error)}")
                return
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return
            problem = pumping.tally_bot_flow(response.json(), tally)
            if problem:
                response.failure(problem)
            else:
                response.success()
