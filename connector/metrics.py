"""The connector's Prometheus metrics (prometheus-client), and their text exposition.

Observed at one place per call: ``HookMetrics.observe_call`` reads the same ``Handled`` value the
log line is built from (``connector.endpoint``), and ``MeteredGateway`` times each gateway call
at the adapter. Every label value is a fixed token (an outcome, a refusal reason, a request
type, an ISO region, an HTTP status): never a number, an eventId or a user.

Under ``ezitxt-okta serve`` (any ``--workers``) ``PROMETHEUS_MULTIPROC_DIR`` names a fresh
folder per start; prometheus-client then keeps each worker's values in files there, and a scrape
of any worker (or of the metrics port) sums them all.

The label children are looked up once per label set and kept: ``Counter.labels()`` costs
several microseconds a call, a dict lookup a few dozen nanoseconds.

The counters and the in-flight gauge of one turn of the event loop are tallied in plain dicts and
written to prometheus-client once, at the end of that turn (``Tally``; a scrape in this process
writes them first): each ``inc`` goes through two checks and a lock, and a loaded worker answers
many calls a turn, nearly all with the same labels. The histograms are observed at once, as before.
The figure is in ``Tally``'s docstring.
"""

from __future__ import annotations

import asyncio
import os
import time
from bisect import bisect_left
from collections.abc import Callable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.multiprocess import MultiProcessCollector

from connector.decisions import Send
from connector.errors import (
    GatewayError,
    GatewayNoAnswer,
    GatewayRejectedCredential,
    GatewayRejectedMessage,
    GatewayUnavailable,
)
from connector.gateway import Gateway, GatewayReceipt, OutboundSms
from connector.hook import Handled
from connector.refusals import Refusal

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
METRICS_PATH = "/metrics"
NONE = "none"  # the label value when the call never got that far (no request, no country)

# Okta waits 3 s (CONTRACT.md §3) and the hook answers within its 2.5 s budget: the buckets are
# dense around both, so that "p99 near the budget" can be told from "p99 past Okta's wait".
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 2.25, 2.5, 2.75, 3.0)

REGISTRY = CollectorRegistry()

HOOK_CALLS = Counter(
    "ezitxt_hook_calls",
    "Hook calls answered, by outcome (DESIGN.md's outcome table), request type and country.",
    ("outcome", "request_type", "country"),
    registry=REGISTRY,
)
HOOK_LATENCY = Histogram(
    "ezitxt_hook_answer_seconds",
    "Time from a hook call's arrival to its answer.",
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
IN_FLIGHT = Gauge(
    "ezitxt_hook_calls_in_flight",
    "Hook calls arrived and not yet answered.",
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
REPLAYS = Counter(
    "ezitxt_hook_replays",
    "Repeats of an event answered from its first call, by the first call's outcome.",
    ("replay_of",),
    registry=REGISTRY,
)
POLICY_REFUSALS = Counter(
    "ezitxt_hook_policy_refusals",
    "Requests refused by the connector's policy (voice, unusable number, region), by reason.",
    ("reason",),
    registry=REGISTRY,
)
AUTH_REFUSALS = Counter(
    "ezitxt_hook_auth_refusals",
    "Calls answered 401 (credential missing, malformed or refused by the gateway), by reason.",
    ("reason",),
    registry=REGISTRY,
)
GATEWAY_CALLS = Counter(
    "ezitxt_gateway_calls",
    "Calls to the EZITXT gateway, by its HTTP status ('none': no answer) and result.",
    ("status", "result"),
    registry=REGISTRY,
)
GATEWAY_LATENCY = Histogram(
    "ezitxt_gateway_call_seconds",
    "Duration of a call to the EZITXT gateway (retry included).",
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
STATE_STORE_ERRORS = Counter(
    "ezitxt_hook_state_store_errors",
    "Failed operations of the shared state store (replays, velocity, conversion), by operation.",
    ("store", "operation"),
    registry=REGISTRY,
)

# Conversion feedback (connector.feedback, connector.events_endpoint). Labels: fixed tokens only
# (an event type of the agreement or "other", an outcome, a family, a region): never a
# prefix, a user or an event id.
EVENT_DELIVERIES = Counter(
    "ezitxt_hook_event_deliveries",
    "Calls to /okta/events (Okta's event hook), by answer outcome.",
    ("outcome",),
    registry=REGISTRY,
)
EVENTS = Counter(
    "ezitxt_hook_events",
    "Okta events received, by type (verifying types, else 'other') and what they did.",
    ("event_type", "outcome"),
    registry=REGISTRY,
)
SENDS_VERIFIED = Counter(
    "ezitxt_hook_sends_verified",
    "Sends an Okta event marked verified (the user entered the code), by flow family.",
    ("family",),
    registry=REGISTRY,
)
PREFIX_BLOCKS = Counter(
    "ezitxt_hook_prefix_blocks_started",
    "Destination prefixes blocked for low conversion, by the destination's region.",
    ("country",),
    registry=REGISTRY,
)
CONVERSION_SKIPPED = Counter(
    "ezitxt_hook_conversion_sends_skipped",
    "Sends not counted by conversion feedback (store unavailable, backlog), by reason.",
    ("reason",),
    registry=REGISTRY,
)


def _cached(metric: Any) -> Callable[..., Any]:
    """``metric.labels`` behind a dict: one child per label set, looked up in O(1)."""
    children: dict[tuple[str, ...], Any] = {}

    def child(*values: str) -> Any:
        found = children.get(values)
        if found is None:
            found = children[values] = metric.labels(*values)
        return found

    return child


# Observations held at most before they are written, whether or not the turn has ended.
MAX_PENDING = 1024


class Tally:
    """The counts of one turn of the event loop, written to prometheus-client at its end.

    What the metrics cost an answer, in user-space instructions through the real HTTP protocol
    (``python -m loadtests.bench.served_cost --valgrind --requests 2000``; runs of one build
    agree within ~1%): the hook against adb31d7, 454,303 -> 430,572 and 434,587 (-4.8%), the
    bare endpoint 223,054 and 222,794. By the bench's first version (same protocol and count,
    other requests): 41,500 an answer with an ``inc``/``observe`` per value (hook 449,400, the
    same hook without metrics 407,900), 19,900 tallied (hook 427,800).
    """

    def __init__(self) -> None:
        self._counts: dict[tuple[Callable[..., Any], tuple[str, ...]], int] = {}
        self._observed: list[tuple[Histogram, float]] = []
        self._in_flight = 0
        self._pending = False

    def observe(self, histogram: Histogram, value: float) -> None:
        observed = self._observed
        observed.append((histogram, value))
        if not self._pending:
            self._schedule()
        elif len(observed) >= MAX_PENDING:
            self.flush()  # a turn that never ends (a loop of awaits that never yield) is bounded

    def count(self, child: Callable[..., Any], *labels: str) -> None:
        key = (child, labels)
        self._counts[key] = self._counts.get(key, 0) + 1
        if not self._pending:
            self._schedule()

    def in_flight(self, delta: int) -> None:
        self._in_flight += delta
        if not self._pending:
            self._schedule()

    def _schedule(self) -> None:
        self._pending = True
        try:
            asyncio.get_running_loop().call_soon(self.flush)
        except RuntimeError:  # no event loop: write at once
            self.flush()

    def flush(self) -> None:
        counts, self._counts = self._counts, {}
        delta, self._in_flight = self._in_flight, 0
        self._pending = False
        observed, self._observed = self._observed, []
        if delta:
            IN_FLIGHT.inc(delta)
        for (child, labels), n in counts.items():
            child(*labels).inc(n)
        if observed:
            _observe_all(observed)


def _observe_all(observed: list[tuple[Histogram, float]]) -> None:
    """``Histogram.observe`` of each value, one ``inc`` a bucket and a sum for all of them.

    Written to the histogram's own values, as ``observe`` does (its bucket counts are stored
    per bucket, not cumulated: the first bound at or above the value); ``test_metrics_tally``
    holds the result to ``observe``'s, sample for sample."""
    sums: dict[Histogram, float] = {}
    buckets: dict[tuple[Histogram, int], int] = {}
    for histogram, value in observed:
        sums[histogram] = sums.get(histogram, 0.0) + value
        key = (histogram, bisect_left(histogram._upper_bounds, value))
        buckets[key] = buckets.get(key, 0) + 1
    for histogram, total in sums.items():
        histogram._sum.inc(total)
    for (histogram, index), n in buckets.items():
        histogram._buckets[index].inc(n)


TALLY = Tally()

_hook_calls = _cached(HOOK_CALLS)
_replays = _cached(REPLAYS)
_policy_refusals = _cached(POLICY_REFUSALS)
_auth_refusals = _cached(AUTH_REFUSALS)
_gateway_calls = _cached(GATEWAY_CALLS)
_state_store_errors = _cached(STATE_STORE_ERRORS)

_event_deliveries = _cached(EVENT_DELIVERIES)
_events = _cached(EVENTS)
_sends_verified = _cached(SENDS_VERIFIED)
_prefix_blocks = _cached(PREFIX_BLOCKS)
_conversion_skipped = _cached(CONVERSION_SKIPPED)


def count_event_delivery(outcome: str) -> None:
    _event_deliveries(outcome).inc()


def count_event(event_type: str, outcome: str) -> None:
    """``event_type``: ``connector.conversion.event_label`` (a verifying type or "other")."""
    _events(event_type, outcome).inc()


def count_send_verified(family: str) -> None:
    _sends_verified(family).inc()


def count_block_started(country: str) -> None:
    _prefix_blocks(country or NONE).inc()


def count_conversion_skipped(reason: str) -> None:
    _conversion_skipped(reason).inc()


def count_state_store_error(store: str, operation: str) -> None:
    """Count one failed state-store operation. Both are fixed tokens, e.g. ``("redis",
    "replay_claim")``: never a key, a host or an error's text. For any replay store to call."""
    _state_store_errors(store, operation).inc()


class HookMetrics:
    """The observations of one hook call, from the values its log line is built from."""

    def __init__(self, tally: Tally | None = None) -> None:
        self._latency = HOOK_LATENCY
        self._tally = tally or TALLY

    def arrived(self) -> None:
        self._tally.in_flight(1)

    def abandoned(self) -> None:
        self._tally.in_flight(-1)

    def observe_call(self, handled: Handled, duration_s: float) -> None:
        """Called once per call, after the answer is decided (``connector.endpoint``)."""
        tally = self._tally
        tally.in_flight(-1)
        tally.observe(self._latency, duration_s)
        answer, request, decision, trip = (
            handled.answer,
            handled.request,
            handled.decision,
            handled.trip,
        )
        country = NONE
        if isinstance(decision, Send):
            country = decision.country or NONE
        elif isinstance(decision, Refusal):
            country = decision.country or NONE
            if request is not None:
                # Refused after a valid request was read: the policy's decision (decide()).
                tally.count(_policy_refusals, decision.reason)
        if answer.http_status == 401:
            tally.count(_auth_refusals, answer.outcome)
        if trip is not None and trip.replayed:
            tally.count(_replays, _replay_of(trip.result))
        tally.count(_hook_calls, answer.outcome, request.request_type if request else NONE, country)


def _replay_of(result: object) -> str:
    return _RESULTS.get(type(result), "error")


_RESULTS: dict[type, str] = {
    GatewayReceipt: "accepted",
    GatewayNoAnswer: "no_answer",
    GatewayRejectedMessage: "rejected_message",
    GatewayRejectedCredential: "rejected_credential",
    GatewayUnavailable: "unavailable",
}


class MeteredGateway:
    """A ``Gateway`` that counts and times each call of the one it wraps."""

    def __init__(self, gateway: Gateway, tally: Tally | None = None) -> None:
        self.gateway = gateway
        self._latency = GATEWAY_LATENCY
        self._tally = tally or TALLY

    async def send(
        self, sms: OutboundSms, *, authorization: str, timeout_s: float
    ) -> GatewayReceipt:
        started = time.monotonic()
        status, result = NONE, "cancelled"  # kept if the call is cancelled (the hook's deadline)
        try:
            receipt = await self.gateway.send(sms, authorization=authorization, timeout_s=timeout_s)
            status, result = str(receipt.http_status), "accepted"
            return receipt
        except GatewayError as exc:
            status = str(exc.http_status) if exc.http_status is not None else NONE
            result = _RESULTS.get(type(exc), "error")
            raise
        except Exception:
            result = "error"
            raise
        finally:
            self._tally.observe(self._latency, time.monotonic() - started)
            self._tally.count(_gateway_calls, status, result)

    async def ping(self, *, timeout_s: float) -> bool:
        return await self.gateway.ping(timeout_s=timeout_s)


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def exposition_registry() -> CollectorRegistry:
    """What a scrape reads: the files of every worker under ``serve``, else this process."""
    directory = multiprocess_dir()
    if directory is None:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    return registry


def exposition() -> bytes:
    """The metrics in Prometheus' text format (version 0.0.4), this turn's counts included."""
    TALLY.flush()
    return generate_latest(exposition_registry())


def serve_metrics_port(host: str, port: int) -> None:
    """``GET /metrics`` (any path, as prometheus-client's server answers) on a port of its own,
    from a daemon thread of the serving process: the hook's port then has no /metrics."""
    start_http_server(port, addr=host, registry=exposition_registry())
