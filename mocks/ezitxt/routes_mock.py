"""The control plane under ``/_mock/``: handsets, faults, reset, stats. Never part of EZITXT."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .timestamps import iso
from .web import backend_of, int_param, json_body, only_params

log = logging.getLogger("mocks.ezitxt.control")


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
    return JSONResponse(backend.faults.as_json())


async def reset(request: Request) -> Response:
    backend_of(request).reset()
    request.app.state.dispatcher.clear()
    log.info("reset: every application, message and fault forgotten")
    return JSONResponse({"reset": True})


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


routes = [
    Route("/_mock/handsets/{msisdn}/messages", handset_messages, methods=["GET"]),
    Route("/_mock/faults", faults, methods=["GET", "PUT", "DELETE"]),
    Route("/_mock/reset", reset, methods=["POST"]),
    Route("/_mock/stats", stats, methods=["GET"]),
]
