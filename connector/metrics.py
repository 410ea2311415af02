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
"""

from __future__ import annotations

import os
import time
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
    "Errors talking to the replay state store, by store and operation.",
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
    "claim")``: never a key, a host or an error's text. For any replay store to call."""
    _state_store_errors(store, operation).inc()


class HookMetrics:
    """The observations of one hook call, from the values its log line is built from."""

    def __init__(self) -> None:
        self._latency = HOOK_LATENCY
        self._in_flight = IN_FLIGHT

    def arrived(self) -> None:
        self._in_flight.inc()

    def abandoned(self) -> None:
        self._in_flight.dec()

    def observe_call(self, handled: Handled, duration_s: float) -> None:
        """Called once per call, after the answer is decided (``connector.endpoint``)."""
        self._in_flight.dec()
        self._latency.observe(duration_s)
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
                _policy_refusals(decision.reason).inc()
        if answer.http_status == 401:
            _auth_refusals(answer.outcome).inc()
        if trip is not None and trip.replayed:
            _replays(_replay_of(trip.result)).inc()
        _hook_calls(answer.outcome, request.request_type if request else NONE, country).inc()


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

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self._latency = GATEWAY_LATENCY

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
            self._latency.observe(time.monotonic() - started)
            _gateway_calls(status, result).inc()

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
    """The metrics in Prometheus' text format (version 0.0.4)."""
    return generate_latest(exposition_registry())


def serve_metrics_port(host: str, port: int) -> None:
    """``GET /metrics`` (any path, as prometheus-client's server answers) on a port of its own,
    from a daemon thread of the serving process: the hook's port then has no /metrics."""
    start_http_server(port, addr=host, registry=exposition_registry())
