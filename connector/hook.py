"""The telephony hook's orchestrator: the pure steps in order, and the I/O between them (the
replay store, the velocity counters, the gateway), under the hook's own deadline.

    credential → parse → decide → [replay store → velocity → gateway → replay store] → answer

Every decision is a pure function elsewhere (``credentials.read_credential``,
``request.parse_request``, ``decisions.decide``, ``replays.compare``, ``velocity.judge``,
``outcomes.Outcomes``);
what happened is returned as values (``Handled``), from which the log line is built at the end
(``call_fields``). Once a send has started, whatever ends the call (the deadline, a
cancellation, an error) leaves "may have been sent" in the replay store, so that a repeat of the
event never sends a second SMS.

The values made on every call (``HookCall``, ``HookRequest``, ``Destination``, ``OutboundSms``,
``Send``, ``Stamp``, ``Owned``, ``GatewayReceipt``, ``Trip``, ``Answer``, ``Handled``) are
NamedTuples, immutable as frozen dataclasses are but built by ``tuple.__new__`` instead of one
``object.__setattr__`` a field: 467,823 -> 440,975 user-space instructions a hook answer (-5.7%;
bare Starlette 229,614; ``python -m loadtests.bench.served_cost --valgrind --requests 2000``,
2026-12-04). An 8-field value: 1.24 against 0.32 µs (``python -m timeit``). On the path of a
sent SMS they are made by ``tuple.__new__(Cls, (every field, in order))`` itself, not through
the NamedTuple's own ``__new__``, a Python function: 266 against 119 ns a 3-field value (415
against 119 with keywords), 432,995 -> 419,102-419,333 instructions a hook answer (-3.2%; same
command, 2026-12-06). Such a call checks neither the count nor the types of the fields:
``tests/connector/test_hot_values.py`` holds every value of a call to its fields.

Three coroutines fewer a call than the steps would each have: the passthrough credential is
read without one (``read_credential``, when no other auth mode is on), the store's failure
(fail open) is caught in ``handle`` rather than in a wrapper around ``_send_once``, and the
velocity count and the gateway call share ``_counted_send``: 419,102-419,333 -> 414,798-415,032
instructions a hook answer (-1.0%; same command, 2026-12-06). The memory stores are called
without an await (``_admit_now``, ``_claim_now``, ``_settle_now``; figures where they are set).

The velocity limits are counted once the replay store's claim is the caller's: a repeat of an
event answered from the store is never counted again, and a send over a limit releases the
claim as "sent nothing" (a repeat is judged afresh). A send the gateway provably did not take
(down, credential refused) is taken back from the counters.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, NamedTuple

from connector import logs
from connector.answers import Answer
from connector.auth_modes import Authenticator
from connector.credentials import BasicCredential, read_credential
from connector.deadlines import Deadlines
from connector.decisions import Policy, Send, decide
from connector.errors import (
    GatewayError,
    GatewayNoAnswer,
    GatewayRejectedCredential,
    GatewayRejectedMessage,
    GatewayUnavailable,
)
from connector.gateway import Gateway, GatewayReceipt
from connector.outcomes import GatewayResult, Outcomes
from connector.refusals import Refusal
from connector.replays import (
    Fingerprints,
    Held,
    MemoryReplayStore,
    Owned,
    Remembered,
    ReplayStore,
    Verdict,
    compare,
)
from connector.request import HookRequest, parse_request
from connector.settings import Settings
from connector.state import StateUnavailable
from connector.validation import RequestValidator
from connector.velocity import Limits, Subject
from connector.velocity_store import NOT_COUNTED, MemoryVelocityStore, VelocityStore

if TYPE_CHECKING:  # connector.feedback imports connector.metrics, which imports this module
    from connector.feedback import ConversionFeedback

# The gateway is told to be done this long before the budget ends, and the hook cuts its own
# wait this long before: the gateway's own timeout (which knows whether the request left)
# comes first, the hook's deadline is the backstop, and the answer still leaves in time.
GATEWAY_MARGIN_S = 0.05
HOOK_MARGIN_S = 0.01

log = logging.getLogger(logs.HOOK_LOGGER)
_SENT_NOTHING = (GatewayUnavailable, GatewayRejectedCredential)
_REMEMBERED = (GatewayReceipt, GatewayNoAnswer, GatewayRejectedMessage)  # replays.Remembered


class HookCall(NamedTuple):
    """One call as the HTTP adapter read it."""

    # A NamedTuple, not a frozen dataclass: one is made every call (figure: connector.hook).
    authorizations: tuple[str, ...]  # every value of the auth field, in order
    body: bytes
    arrived: float  # time.monotonic() at arrival


class Trip(NamedTuple):
    """What became of a request the policy let through."""

    # A NamedTuple, not a frozen dataclass: one is made every call (figure: connector.hook).
    result: GatewayResult
    replayed: bool = False  # answered from the first call of the same event
    event_id_reused: bool = False  # the eventId came before with another message
    other_credential: bool = False  # the eventId came before with another credential
    state_unavailable: bool = False  # a store failed: sent without de-duplication or limits


class Handled(NamedTuple):
    """The answer, and the values it was decided from (for the log line)."""

    # A NamedTuple, not a frozen dataclass: one is made every call (figure: connector.hook).
    answer: Answer
    request: HookRequest | None = None
    decision: Refusal | Send | None = None
    trip: Trip | None = None


class TelephonyHook:
    """Built once per app with its settings, validator, gateway and replay store."""

    def __init__(
        self,
        settings: Settings,
        gateway: Gateway,
        validator: RequestValidator,
        *,
        replays: ReplayStore | None = None,
        deadlines: Deadlines | None = None,
        fingerprints: Fingerprints | None = None,
        authenticator: Authenticator | None = None,
        velocity: VelocityStore | None = None,
        feedback: ConversionFeedback | None = None,
    ) -> None:
        self.settings = settings
        self.gateway = gateway
        self.validator = validator
        self.budget_s = settings.budget_ms / 1000
        self.policy = Policy.from_settings(settings)
        self.outcomes = Outcomes(provider=settings.provider_name, auth_field=settings.auth_field)
        self.replays = replays if replays is not None else MemoryReplayStore()
        self.velocity_limits = Limits.from_settings(settings)
        self.velocity: VelocityStore = (
            velocity if velocity is not None else MemoryVelocityStore(self.velocity_limits)
        )
        # The memory store counts without a coroutine: one await less a call, 0.12-0.19 µs
        # CPU (an awaited async wrapper against the direct call, 500,000 calls x 3, load 3.6).
        self._admit_now = (
            self.velocity.admit_now if isinstance(self.velocity, MemoryVelocityStore) else None
        )
        self.deadlines = deadlines or Deadlines()
        # Replicas sharing a store share the key too (Settings.state_secret).
        self.fingerprints = fingerprints or Fingerprints.fresh()
        # The caller → the gateway credential, in the configured auth modes (DESIGN.md 13).
        self.authenticator = authenticator or Authenticator.from_settings(settings)
        # Conversion feedback (EZITXT_HOOK_EVENTS_SECRET): blocked prefixes, sends recorded.
        self.feedback = feedback

    @property
    def replays(self) -> ReplayStore:
        return self._replays

    @replays.setter
    def replays(self, store: ReplayStore) -> None:
        self._replays = store
        # The memory store's claim and settle without a coroutine, as its velocity counting:
        # 405,699-405,861 -> 402,618-402,805 instructions a hook answer (-0.7%; served_cost
        # --valgrind --requests 2000, 2026-12-06).
        memory = store if isinstance(store, MemoryReplayStore) else None
        # (``is not None``: an empty store is falsy, it has a length.)
        self._claim_now = memory.claim_now if memory is not None else None
        self._settle_now = memory.settle_now if memory is not None else None

    def deadline(self, arrived: float) -> float:
        """When the hook stops waiting on anything, for a call that arrived at ``arrived``."""
        return arrived + self.budget_s - HOOK_MARGIN_S

    async def handle(self, call: HookCall) -> Handled:
        if self.authenticator.passthrough_only:
            credential = read_credential(call.authorizations)  # no coroutine (module doc)
        else:
            credential = await self.authenticator.authenticate(
                call.authorizations, self.deadline(call.arrived)
            )
        if isinstance(credential, Refusal):
            return Handled(self.outcomes.refused(credential), decision=credential)
        request = parse_request(call.body, self.validator)
        if isinstance(request, Refusal):
            return Handled(self.outcomes.refused(request), decision=request)
        feedback = self.feedback
        block = await feedback.block_for(credential.application, request) if feedback else None
        decision = decide(request, self.policy, block=block)
        if isinstance(decision, Refusal):
            return Handled(self.outcomes.refused(decision), request, decision)
        subject = tuple.__new__(
            Subject,
            (
                decision.sms.destination,
                decision.prefix,
                decision.country,
                credential.application,
                request.user_id,
            ),
        )
        try:
            trip = await self._send_once(credential, decision, subject, call.arrived)
        except StateUnavailable:
            # Fail open (DESIGN.md decision 6): an OTP that never arrives locks the user out,
            # a rare duplicate costs one SMS. Raised only by the store, never after a send.
            trip = await self._counted_send(
                None, None, credential, decision, subject, call.arrived, unavailable=True
            )
        if isinstance(trip, Refusal):
            return Handled(self.outcomes.refused(trip), request, trip)
        if trip.replayed:
            answer = self.outcomes.replayed(trip.result)
        else:
            answer = self.outcomes.answer_for(trip.result)
            if feedback is not None:  # a replay's send was recorded by its first call
                application = credential.application
                feedback.sent(
                    application, request, decision.prefix, decision.country, answer.outcome
                )
        return tuple.__new__(Handled, (answer, request, decision, trip))

    async def _send_once(
        self, credential: BasicCredential, send: Send, subject: Subject, arrived: float
    ) -> Trip | Refusal:
        """The replay store asked first: a repeat of the event is answered from it, else the
        send is counted and made. ``StateUnavailable``: the store failed (nothing was sent)."""
        stamp = self.fingerprints.stamp(credential.header_value, send.sms)
        key = self.fingerprints.event_key(credential.application, send.sms.reference)
        reused = False
        while True:
            claim_now = self._claim_now
            claim = claim_now(key, stamp) if claim_now else await self.replays.claim(key, stamp)
            if isinstance(claim, Owned):
                return await self._counted_send(
                    key, claim, credential, send, subject, arrived, reused=reused
                )
            verdict = compare(stamp, claim.stamp)
            if verdict is Verdict.OTHER_CREDENTIAL:
                # Not this caller's to replay: the gateway judges the credential, and what it
                # answers is not remembered.
                return await self._counted_send(
                    None, None, credential, send, subject, arrived, reused=reused, other=True
                )
            if verdict is Verdict.OTHER_MESSAGE:
                if reused:  # two messages' digests under one key: never seen, never replayed
                    return await self._counted_send(
                        None, None, credential, send, subject, arrived, reused=True
                    )
                reused = True
                key = self.fingerprints.event_key(
                    credential.application, send.sms.reference, stamp.message
                )
                continue
            if isinstance(claim, Held):
                return Trip(claim.result, replayed=True, event_id_reused=reused)
            earlier = await self._wait(claim.wait, arrived)
            if earlier is not None:
                return Trip(earlier, replayed=True, event_id_reused=reused)
            # The earlier call sent nothing: this one tries afresh.

    async def _counted_send(
        self,
        key: bytes | None,
        claim: Owned | None,
        credential: BasicCredential,
        send: Send,
        subject: Subject,
        arrived: float,
        *,
        reused: bool = False,
        other: bool = False,
        unavailable: bool = False,
    ) -> Trip | Refusal:
        """The velocity limits counted and checked, then the gateway call, and the replay store
        (and the velocity counters, when nothing was sent) told of its end whatever that end
        is. A refusal releases the claim as "sent nothing". ``reused``, ``other``,
        ``unavailable``: the Trip's marks from the replay store. One coroutine for both steps,
        not one each (module doc)."""
        try:
            admit_now = self._admit_now
            admitted = admit_now(subject) if admit_now else await self.velocity.admit(subject)
        except StateUnavailable:
            admitted, unavailable = NOT_COUNTED, True  # fail open, as the replay store does
        except BaseException:
            await self._release(key, claim)
            raise
        if isinstance(admitted, Refusal):
            await self._release(key, claim)
            return admitted
        result: GatewayResult | None = None
        timeout_s = arrived + self.budget_s - GATEWAY_MARGIN_S - time.monotonic()
        try:
            with self.deadlines.guard(self.deadline(arrived)):
                result = await self.gateway.send(
                    send.sms, authorization=credential.header_value, timeout_s=timeout_s
                )
        except GatewayError as exc:
            result = exc
        except TimeoutError:
            # The hook's deadline, not the gateway's own timeout: the request may have left.
            result = GatewayNoAnswer("budget_exhausted")
        except Exception:
            log.exception("gateway call failed unexpectedly")
            result = GatewayNoAnswer("send_failed_unexpectedly")
        finally:
            if isinstance(result, _SENT_NOTHING):
                self.velocity.refund(admitted)
            if claim is not None and key is not None:
                settle_now = self._settle_now
                try:
                    if settle_now:
                        settle_now(key, claim, _remembered(result))
                    else:
                        await self.replays.settle(key, claim, _remembered(result))
                except StateUnavailable:
                    pass  # the store counted and logged it; the SMS is not sent again
        return tuple.__new__(Trip, (result, False, reused, other, unavailable))

    async def _release(self, key: bytes | None, claim: Owned | None) -> None:
        if claim is not None and key is not None:
            try:
                await self.replays.settle(key, claim, None)
            except StateUnavailable:
                pass  # counted and logged by the store; the claim ages out, nothing was sent

    async def _wait(
        self, wait: Callable[[], Awaitable[Remembered | None]], arrived: float
    ) -> Remembered | None:
        try:
            with self.deadlines.guard(self.deadline(arrived)):
                result: Remembered | None = await wait()
                return result
        except TimeoutError:
            # The first call of this event is still out and may send: a failure answer here
            # would make Okta send another SMS (CONTRACT.md §2).
            return GatewayNoAnswer("budget_exhausted_waiting_for_first_call")


def _remembered(result: GatewayResult | None) -> Remembered | None:
    """What a repeat of the event may be answered with. ``None`` (the call was cancelled
    mid-send): it may have been sent."""
    if result is None:
        return GatewayNoAnswer("cancelled_while_sending")
    if isinstance(result, _SENT_NOTHING):
        return None  # nothing was sent: a repeat tries afresh
    if isinstance(result, _REMEMBERED):
        return result
    # A gateway error of no known kind is answered PENDING (connector.outcomes): remembered so.
    return GatewayNoAnswer(result.reason, http_status=result.http_status)
