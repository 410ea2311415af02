"""Hostile clients, fuzzed: thousands of mutations of Okta's sample request sent over raw
sockets to the real app under uvicorn, with a scripted gateway behind it.

Mutations: values of other types, keys removed or added, unicode and NUL, deep nesting, huge
strings, duplicate keys, broken bytes; around them wrong or absent Content-Type, a gzip
``Content-Encoding`` (true or not), chunked bodies, and malformed, missing or doubled
credentials. Every answer must be Okta-shaped JSON (the response schema), never a 500, within
the budget; no OTP, message text, credential or phone number may appear in an answer or in
any log line; only ASCII E.164 may reach the gateway.
"""

from __future__ import annotations

import copy
import gzip
import io
import json
import logging
import re
import socket
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.app import create_app
from connector.errors import (
    GatewayNoAnswer,
    GatewayRejectedCredential,
    GatewayRejectedMessage,
    GatewayUnavailable,
)
from connector.gateway import GatewayReceipt
from connector.logs import CallLog, JsonFormatter
from connector.settings import load_settings
from tests.connector import payloads
from tests.connector.fakes import FakeGateway
from tests.contract import okta_answer
from tests.servers import serve

BUDGET_MS = 1000
# A bound on a whole exchange, to catch a hang: not a measure of speed.
EXCHANGE_TIMEOUT_S = 10.0
EXAMPLES = 3000
TOKEN = payloads.AUTHORIZATION.split()[1]
SECRETS = [payloads.OTP, payloads.MESSAGE, payloads.PASSWORD, TOKEN, "211234567"]
E164 = re.compile(r"\+[0-9]{8,15}", re.ASCII)
OKTA_STATUSES = {200, 400, 401, 404, 405, 408, 413, 503}


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@dataclass
class Hook:
    port: int
    gateway: FakeGateway
    calls: io.BytesIO
    records: Capture
    exchanges: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)

    def take_logs(self) -> list[str]:
        lines = self.calls.getvalue().decode().splitlines() + self.records.lines
        self.calls.seek(0)
        self.calls.truncate()
        self.records.lines.clear()
        return lines


@pytest.fixture(scope="module")
def hook() -> Iterator[Hook]:
    records = Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(records)
    root.setLevel(logging.DEBUG)
    gateway = FakeGateway()
    calls = io.BytesIO()
    settings = load_settings(
        {}, gateway_url="http://127.0.0.1:9", budget_ms=BUDGET_MS, max_body_bytes=65536
    )
    try:
        with serve(
            create_app(settings, gateway=gateway, call_log=CallLog("json", stream=calls))
        ) as url:
            yield Hook(int(url.rsplit(":", 1)[1]), gateway, calls, records)
    finally:
        root.removeHandler(records)
        root.setLevel(old_level)


# --- the request body -------------------------------------------------------------------------

SAMPLE = payloads.request()
SAMPLE["eventId"] = "Qm3xP0aZr7TgkV1yLw9eHd"


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    return found


PATHS = paths(SAMPLE)


def get(node: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        node = node[key]
    return node


def nested(depth: int, kind: str) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


# No digits: a digit run in an eventId could look like a leaked phone number.
EVENT_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"

# Values that look like the secrets: the test checks that none of them leaks either.
PHONES = st.one_of(
    st.integers(10**6, 10**7 - 1).map(lambda n: f"+6421{n}"),
    st.integers(10**6, 10**7 - 1).map(lambda n: f"021 {str(n)[:3]} {str(n)[3:]}"),
    st.integers(10**6, 10**7 - 1).map(
        lambda n: "021" + "".join(chr(0x660 + int(d)) for d in str(n))
    ),
    st.integers(10**6, 10**7 - 1).map(
        lambda n: f"+6421{n}".translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    ),
    st.integers(6421000000, 6429999999),  # a number as a JSON number (Okta's OpenAPI example)
    st.integers(10**9, 10**10 - 1).map(str),
)
OTPS = st.one_of(st.integers(100000, 999999).map(str), st.integers(100000, 999999))
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=24),
    st.text(st.characters(codec="utf-8"), max_size=24),
    st.sampled_from(["", "\x00", "SMS\x00", "\u202e", "\ud7ff", "voice", "VOICE CALL", "\ufeff"]),
)
VALUES = st.one_of(
    LEAVES,
    st.recursive(
        LEAVES,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
        ),
        max_leaves=8,
    ),
    st.builds(nested, st.integers(1, 400), st.sampled_from(["list", "dict"])),
    st.builds(
        lambda n, c: c * n, st.integers(1000, 80_000), st.sampled_from(["x", "\u0661", "\x00", "é"])
    ),
)


@st.composite
def documents(draw: st.DrawFn) -> tuple[Any, list[str]]:
    """A mutated sample, and the secret-like values it holds."""
    document: Any = copy.deepcopy(SAMPLE)
    document["eventId"] = draw(st.text(EVENT_ID_CHARS, min_size=22, max_size=22))
    secrets: list[str] = []
    profile = document["data"]["messageProfile"]
    if draw(st.booleans()):
        phone = draw(PHONES)
        profile["phoneNumber"] = phone
        digits = re.sub(r"[^0-9]", "", str(phone))
        secrets += [str(phone)] + ([digits[-9:]] if len(digits) >= 7 else [])
    if draw(st.booleans()):
        otp = draw(OTPS)
        profile["otpCode"] = otp
        profile["msgTemplate"] = f"Your verification code is {otp}"
        secrets += [str(otp), profile["msgTemplate"]]
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(PATHS))
        try:
            parent = get(document, path[:-1])
        except (KeyError, TypeError):
            continue
        if not isinstance(parent, dict):
            continue
        action = draw(st.sampled_from(["set", "delete", "stringify", "add"]))
        if action == "delete":
            parent.pop(path[-1], None)
        elif action == "set":
            parent[path[-1]] = draw(VALUES)
        elif action == "stringify":
            parent[path[-1]] = json.dumps(parent.get(path[-1]))
        else:
            parent[draw(st.text(max_size=12))] = draw(VALUES)
    if draw(st.integers(0, 9)) == 0:
        document = draw(VALUES)  # not an object at all
    return document, secrets


def duplicate_key(text: str, key: str, value: Any, *, last: bool) -> str:
    """``text`` with ``key`` a second time in the object that holds it (first or last)."""
    extra = f"{json.dumps(key)}:{json.dumps(value)}"
    if key in ("eventId", "requestType"):
        return text[:-1] + "," + extra + "}" if last else "{" + extra + "," + text[1:]
    marker = '"messageProfile":{'
    return text.replace(marker, marker + extra + ",", 1) if marker in text else text


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes, list[str]]:
    document, secrets = draw(documents())
    text = json.dumps(document, ensure_ascii=draw(st.booleans()), separators=(",", ":"))
    if isinstance(document, dict) and draw(st.integers(0, 4)) == 0:
        key = draw(st.sampled_from(["eventId", "requestType", "phoneNumber", "otpCode"]))
        text = duplicate_key(text, key, draw(LEAVES), last=draw(st.booleans()))
    body = text.encode("utf-8", "surrogatepass")
    damage = draw(st.sampled_from(["none"] * 6 + ["truncate", "byte", "bom", "utf16"]))
    if damage == "truncate":
        body = body[: draw(st.integers(0, max(len(body) - 1, 0)))]
    elif damage == "byte":
        at = draw(st.integers(0, len(body)))
        body = body[:at] + bytes([draw(st.integers(0, 255))]) + body[at:]
    elif damage == "bom":
        body = b"\xef\xbb\xbf" + body
    elif damage == "utf16":
        body = text.encode("utf-16", "surrogatepass")
    return body, secrets


# --- the HTTP around it -----------------------------------------------------------------------

CONTENT_TYPES = [
    b"application/json", None, b"text/plain", b"application/json; charset=utf-8",
    b"application/x-www-form-urlencoded", b"multipart/form-data; boundary=x", b"\xff/json",
]  # fmt: skip
AUTHORIZATIONS = [
    [payloads.AUTHORIZATION.encode()],
    [],
    [b"Basic \xe9"],
    [payloads.AUTHORIZATION.encode(), b"Basic b3RoZXI6b25l"],
    [b"Basic " + b"QUFB" * 400],
    [b"Bearer " + TOKEN.encode()],
    [b"basic    " + TOKEN.encode() + b"   "],
    [b"Basic " + TOKEN.encode()[:-2]],
]
GATEWAY_OUTCOMES = [
    None,  # accepted, with a fresh id
    GatewayReceipt(http_status=202, message_id=None),
    GatewayNoAnswer("gateway_timeout"),
    GatewayNoAnswer("gateway_proxy_502", http_status=502),
    GatewayUnavailable("gateway_unreachable"),
    GatewayUnavailable("gateway_tls_error"),
    GatewayRejectedCredential("gateway_rejected_credential", http_status=401),
    GatewayRejectedMessage("invalid_attrib", http_status=400, field="destination"),
]


@dataclass(frozen=True)
class Exchange:
    body: bytes
    secrets: list[str]
    content_type: bytes | None
    encoding: str
    chunks: int
    authorization: list[bytes]
    gateway: int


EXCHANGES = st.builds(
    lambda body, *rest: Exchange(body[0], body[1], *rest),
    bodies(),
    st.sampled_from(CONTENT_TYPES),
    st.sampled_from(["identity"] * 5 + ["gzip", "gzip-lie", "br"]),
    st.sampled_from([0] * 3 + [1, 2, 7]),  # chunks; 0: Content-Length
    st.sampled_from([AUTHORIZATIONS[0]] * 12 + AUTHORIZATIONS),  # mostly Okta's own
    st.integers(0, len(GATEWAY_OUTCOMES) - 1),
)


def raw_request(exchange: Exchange) -> bytes:
    body = exchange.body
    head = [b"POST /okta/telephony HTTP/1.1", b"Host: 127.0.0.1", b"Connection: close"]
    head += [b"Accept: application/json", b"User-Agent: Okta Hook Fuzz"]
    if exchange.content_type is not None:
        head.append(b"Content-Type: " + exchange.content_type)
    if exchange.encoding == "gzip":
        body = gzip.compress(body)
    if exchange.encoding != "identity":
        head.append(b"Content-Encoding: " + exchange.encoding.split("-")[0].encode())
    head += [b"Authorization: " + value for value in exchange.authorization]
    if exchange.chunks:
        head.append(b"Transfer-Encoding: chunked")
        size = max(1, -(-len(body) // exchange.chunks))
        pieces = [body[i : i + size] for i in range(0, len(body), size)]
        payload = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
    else:
        head.append(b"Content-Length: %d" % len(body))
        payload = body
    return b"\r\n".join(head) + b"\r\n\r\n" + payload


def exchange_over_socket(port: int, request: bytes) -> tuple[int, dict[bytes, bytes], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=EXCHANGE_TIMEOUT_S) as sock:
        try:
            sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered (413) before taking it all: read what it said
        received = b""
        while True:
            try:
                piece = sock.recv(65536)
            except ConnectionResetError:
                break
            if not piece:
                break
            received += piece
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
@given(exchange=EXCHANGES)
def check_one(hook: Hook, exchange: Exchange) -> None:
    hook.gateway.outcome = GATEWAY_OUTCOMES[exchange.gateway]
    hook.gateway.calls.clear()
    hook.take_logs()
    hook.exchanges += 1
    started = time.monotonic()
    status, headers, body = exchange_over_socket(hook.port, raw_request(exchange))
    elapsed = time.monotonic() - started
    assert status in OKTA_STATUSES, (status, body[:200])
    assert headers.get(b"content-type", b"").startswith(b"application/json"), headers
    okta_answer(body)
    assert elapsed < EXCHANGE_TIMEOUT_S
    # The call's log line is written before its answer is: it is already there.
    lines = hook.take_logs()
    call_lines = [json.loads(line) for line in lines if '"telephony hook"' in line]
    assert len(call_lines) == 1, lines
    assert call_lines[0]["duration_ms"] <= BUDGET_MS
    hook.outcomes[call_lines[0]["outcome"]] += 1
    text = body.decode("utf-8", "replace") + "\n".join(lines)
    for secret in SECRETS + exchange.secrets:
        assert secret not in text, f"{secret!r} leaked"
    for sms, _, _ in hook.gateway.calls:
        assert E164.fullmatch(sms.destination), sms.destination


@pytest.mark.slow
def test_fuzzed_okta_requests(hook: Hook) -> None:
    check_one(hook)
    assert hook.exchanges >= EXAMPLES  # every example went over the wire
    # and the mutations reach every stage, the gateway call included
    print(sorted(hook.outcomes.items()))
    assert set(hook.outcomes) >= {
        "sent", "pending", "bad_json", "schema_invalid", "too_large", "missing_credential",
        "malformed_credential", "unusable_number", "gateway_unavailable",
    }  # fmt: skip
