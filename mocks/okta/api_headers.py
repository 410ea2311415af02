"""Headers Okta puts on every management API answer, added by a pure ASGI middleware:
``X-Okta-Request-Id`` (one per request) and the ``X-Rate-Limit-Limit``, ``-Remaining`` and
``-Reset`` of the request's per-minute bucket (https://developer.okta.com/docs/reference/rl-best-practices/).

With ``enforce``, a request over its bucket's limit gets Okta's 429 ``E0000047`` at once, as
Okta answers; off by default, so that load runs and test loops against the mock are not cut off
by a limit they do not test.
"""

from __future__ import annotations

import json

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mocks.okta import ids
from mocks.okta.errors import RateLimited
from mocks.okta.limits import ApiRateLimits, Quota

API_PREFIX = "/api/v1/"


class OktaApiHeaders:
    def __init__(self, app: ASGIApp, *, limits: ApiRateLimits, enforce: bool = False) -> None:
        self.app = app
        self.limits = limits
        self.enforce = enforce

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        request_id = ids.transaction_id()
        quota = self.limits.take(scope["method"], scope["path"])
        if quota is not None and quota.exceeded and self.enforce:
            await _refuse(send, quota, request_id)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Okta-Request-Id", request_id)
                if quota is not None and "x-rate-limit-limit" not in headers:
                    for name, value in _quota_headers(quota).items():
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _quota_headers(quota: Quota) -> dict[str, str]:
    return {
        "X-Rate-Limit-Limit": str(quota.limit),
        "X-Rate-Limit-Remaining": str(quota.remaining),
        "X-Rate-Limit-Reset": str(quota.reset),
    }


async def _refuse(send: Send, quota: Quota, request_id: str) -> None:
    error = RateLimited(quota.reset, quota.limit)
    body = json.dumps(error.body()).encode()
    headers = {
        "content-type": "application/json",
        "content-length": str(len(body)),
        "X-Okta-Request-Id": request_id,
        **error.headers(),
    }
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": error.status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
