"""The control plane under ``/_mock/``: handsets, faults, reset, stats. Never part of EZITXT."""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mocks.common.http import reset_route
from mocks.common.timestamps import iso
from mocks.ezitxt.faults import Delay, FaultRule, Faults
from mocks.ezitxt.web import backend_of, int_param, json_body, only_params

log = logging.getLogger("mocks.ezitxt.control")


def render_delay(delay: Delay) -> dict[str, float]:
    if delay.fixed_ms is not None:
        return {"fixedMs": delay.fixed_ms}
    out = {"medianMs": delay.median_ms or 1.0, "maxMs": delay.max_ms}
    if delay.p99_ms is not None:
        out["p99Ms"] = delay.p99_ms
    return out


def render_rule(rule: FaultRule) -> dict[str, Any]:
    """A rule in the form ``PUT /_mock/faults`` takes (schemas/ezitxt/mock-faults)."""
    out: dict[str, Any] = {"share": rule.share, "accept": rule.accept}
    if rule.delay is not None:
        out["delay"] = render_delay(rule.delay)
    if rule.status is not None:
        out["status"] = rule.status
    if rule.drop:
        out["drop"] = True
    if rule.malformed:
        out["malformed"] = True
    if rule.destination is not None:
        out["destination"] = rule.destination
    return out


def render_faults(faults: Faults) -> dict[str, Any]:
    return {
        "rules": [render_rule(rule) for rule in faults.rules],
        "seed": faults.seed,
        "struck": faults.struck,
    }


async def handset_messages(request: Request) -> Response:
    """What a phone has received, newest first: how QA reads an OTP."""
    only_params(request, frozenset({"limit"}))
    limit = int_param(request, "limit", 50, 1, 500)
    backend = backend_of(request)
    received = backend.handset(request.path_params["msisdn"], limit=limit)
    number = request.path_params["msisdn"]
    return JSONResponse(
        {
            "msisdn": number if number.startswith("+") else f"+{number}",
            "messages": [
                {
                    "id": m.id,
                    "application": m.application,
                    "source": m.source,
                    "content": m.content,
                    "reference": m.reference,
                    "receivedAt": iso(m.updated_at),
                }
                for m in received
            ],
        }
    )


async def faults(request: Request) -> Response:
    backend = backend_of(request)
    if request.method == "PUT":
        backend.faults.replace(await json_body(request, "mock-faults"))
        log.info("faults set: %d rule(s)", len(backend.faults.rules))
    elif request.method == "DELETE":
        backend.faults.clear()
        log.info("faults cleared")
    return JSONResponse(render_faults(backend.faults))


def reset(request: Request) -> None:
    backend_of(request).reset()
    request.app.state.dispatcher.clear()
    log.info("reset: every application, message and fault forgotten")


async def stats(request: Request) -> Response:
    stats = backend_of(request).stats()
    callbacks = request.app.state.dispatcher.stats
    stats["callbacks"] = {
        "delivered": callbacks.delivered,
        "retried": callbacks.retried,
        "abandoned": callbacks.abandoned,
        "dropped": callbacks.dropped,
    }
    return JSONResponse(stats)


ROUTES = [
    Route("/_mock/handsets/{msisdn}/messages", handset_messages, methods=["GET"]),
    Route("/_mock/faults", faults, methods=["GET", "PUT", "DELETE"]),
    reset_route(reset),
    Route("/_mock/stats", stats, methods=["GET"]),
]
