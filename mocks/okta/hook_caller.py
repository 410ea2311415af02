"""The one place the mock calls a hook, the way Okta does (CONTRACT.md §§1–3): POST over HTTPS
trusting the configured CA, the authScheme header and custom headers verbatim, a total timeout
(3 s in Okta), no retry, redirects not followed, and an answer over 256 KB refused."""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass

import aiohttp
from multidict import CIMultiDict

from mocks.okta import defaults

MAX_BODY = 256 * 1024


@dataclass(frozen=True)
class HookAnswer:
    """What came back. ``failure`` is ``TIMEOUT``, ``UNREACHABLE`` or ``TOO_LARGE`` when no usable
    body arrived; ``detail`` says why, for admins (never a header value or the request body)."""

    http_status: int | None
    body: bytes | None
    duration_ms: int
    failure: str | None = None
    detail: str | None = None


def ssl_context(ca_file: str | None) -> ssl.SSLContext:
    """The system's trust store, plus ``ca_file`` (the mock stack's own CA) when given."""
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


async def call_hook(
    session: aiohttp.ClientSession,
    *,
    uri: str,
    body: bytes,
    headers: list[tuple[str, str]],
    tls: ssl.SSLContext,
    timeout_s: float = defaults.HOOK_TIMEOUT_S,
) -> HookAnswer:
    """POST ``body`` to the hook once and read at most ``MAX_BODY`` + 1 bytes of the answer."""
    sent = CIMultiDict[str]()
    sent["Accept"] = "application/json"
    sent["Content-Type"] = "application/json"
    for key, value in headers:
        sent.add(key, value)
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        async with session.post(
            uri,
            data=body,
            headers=sent,
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=timeout_s),
            ssl=tls,
        ) as response:
            status = response.status
            declared = response.content_length
            if declared is not None and declared > MAX_BODY:
                return HookAnswer(
                    status,
                    None,
                    elapsed(),
                    "TOO_LARGE",
                    f"Response of {declared} bytes is over 256 KB",
                )
            received = bytearray()
            while len(received) <= MAX_BODY:
                chunk = await response.content.read(MAX_BODY + 1 - len(received))
                if not chunk:
                    break
                received += chunk
            if len(received) > MAX_BODY:
                return HookAnswer(status, None, elapsed(), "TOO_LARGE", "Response is over 256 KB")
            return HookAnswer(status, bytes(received), elapsed())
    except TimeoutError:
        return HookAnswer(None, None, elapsed(), "TIMEOUT", f"No answer within {timeout_s:g} s")
    except aiohttp.ClientSSLError as exc:
        return HookAnswer(
            None, None, elapsed(), "UNREACHABLE", f"TLS failure: {type(exc).__name__}"
        )
    except aiohttp.ClientError as exc:
        return HookAnswer(
            None, None, elapsed(), "UNREACHABLE", f"Connection failed: {type(exc).__name__}"
        )
