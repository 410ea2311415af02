"""The Okta client against a stub server: ``Link`` paging and a bounded back-off on 429."""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import requests
import trustme

from connector.admin.okta_client import MAX_RETRIES, MAX_WAIT_S, Okta, OktaError, next_link


class Stub(ThreadingHTTPServer):
    daemon_threads = True
    too_many: int = 0  # 429s still to answer
    reset_in: str = ""
    scheme: str = "http"
    seen: list[tuple[str, str]]
    next_host: str = ""  # a next link to this URL instead of the stub's own
    remaining: str = ""  # X-Rate-Limit-Remaining of every page of users, with reset_in


class Handler(BaseHTTPRequestHandler):
    server: Stub

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.seen.append((self.path, self.headers.get("Authorization", "")))
        if self.path.startswith("/api/v1/logs"):
            return self.logs()
        if self.server.too_many > 0:
            self.server.too_many -= 1
            self.send_response(429)
            self.send_header("X-Rate-Limit-Limit", "10")
            self.send_header("X-Rate-Limit-Remaining", "0")
            self.send_header("X-Rate-Limit-Reset", self.server.reset_in)
            self.send_header("Content-Type", "application/json")
            body = b'{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit"}'
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        after = int(parse_qs(urlparse(self.path).query).get("after", ["0"])[0])
        items = [{"id": f"u{n}"} for n in range(after, min(after + 2, 5))]
        body = json.dumps(items).encode()
        self.send_response(200)
        base = f"{self.server.scheme}://127.0.0.1:{self.server.server_address[1]}/api/v1/users"
        links = [f'<{base}?limit=2>; rel="self"']
        if after + 2 < 5:
            links.append(f'<{base}?limit=2&after={after + 2}>; rel="next"')
        self.send_header("Link", ", ".join(links))
        if self.server.remaining:
            self.send_header("X-Rate-Limit-Limit", "600")
            self.send_header("X-Rate-Limit-Remaining", self.server.remaining)
            self.send_header("X-Rate-Limit-Reset", self.server.reset_in)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def logs(self) -> None:
        """As Okta's System Log: a query without ``until`` (polling) links a next page from
        every page, empty or not; a bounded one only while more remain. Three events."""
        query = parse_qs(urlparse(self.path).query)
        after = int(query.get("after", ["0"])[0])
        items = [{"uuid": f"e{n}"} for n in range(after, min(after + 2, 3))]
        base = f"http://127.0.0.1:{self.server.server_address[1]}/api/v1/logs"
        links = []
        if "until" not in query or after + 2 < 3:
            host = self.server.next_host or base
            kept = [(k, v) for k, values in query.items() if k != "after" for v in values]
            link = urlencode([*kept, ("after", str(after + len(items)))])
            links.append(f'<{host}?{link}>; rel="next"')
        body = json.dumps(items).encode()
        self.send_response(200)
        self.send_header("Link", ", ".join(links))
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def stub() -> Iterator[Stub]:
    server = Stub(("127.0.0.1", 0), Handler)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def client(stub: Stub, waits: list[float]) -> Okta:
    return Okta(f"http://127.0.0.1:{stub.server_address[1]}", "t0ken", sleep=waits.append)


def test_paging_follows_link_next_to_the_end(stub: Stub) -> None:
    okta = client(stub, [])
    items = list(okta.pages("list users", "/api/v1/users", {"limit": 2}))
    assert [i["id"] for i in items] == ["u0", "u1", "u2", "u3", "u4"]
    assert [path for path, _ in stub.seen] == [
        "/api/v1/users?limit=2",
        "/api/v1/users?limit=2&after=2",
        "/api/v1/users?limit=2&after=4",
    ]
    assert {auth for _, auth in stub.seen} == {"SSWS t0ken"}


def test_a_429_is_waited_out_then_retried(stub: Stub) -> None:
    stub.too_many, stub.reset_in = 2, ""
    waits: list[float] = []
    items = list(client(stub, waits).pages("list users", "/api/v1/users", {"limit": 2}))
    assert len(items) == 5
    assert waits == [1.0, 2.0]  # no X-Rate-Limit-Reset: 1 s, then 2 s


def test_the_wait_is_bounded_and_the_retries_too(stub: Stub) -> None:
    stub.too_many, stub.reset_in = 100, str(2**40)  # a reset far in the future
    waits: list[float] = []
    with pytest.raises(OktaError) as raised:
        list(client(stub, waits).pages("list users", "/api/v1/users"))
    assert raised.value.status == 429 and "rate limit" in str(raised.value)
    assert waits == [MAX_WAIT_S] * MAX_RETRIES
    assert len(stub.seen) == MAX_RETRIES + 1


def test_a_spent_rate_limit_is_waited_out_before_the_next_request_not_hit(stub: Stub) -> None:
    """X-Rate-Limit-Remaining 0 on a page: the next page waits for X-Rate-Limit-Reset (bounded)
    instead of drawing a 429, a violation in the org's System Log. Before: the next page was
    asked at once (Okta answers it 429)."""
    stub.remaining, stub.reset_in = "0", str(int(time.time()) + 5)
    waits: list[float] = []
    items = list(client(stub, waits).pages("list users", "/api/v1/users", {"limit": 2}))
    assert len(items) == 5 and len(stub.seen) == 3
    assert len(waits) == 2 and all(0 < wait <= MAX_WAIT_S for wait in waits)
    stub.seen.clear()
    stub.remaining = "7"  # budget left: no wait at all
    waits.clear()
    assert len(list(client(stub, waits).pages("list users", "/api/v1/users", {"limit": 2}))) == 5
    assert waits == []


def test_next_link_reads_okta_link_headers() -> None:
    header = (
        '<https://x.okta.com/api/v1/logs?a=1>; rel="self", '
        '<https://x.okta.com/api/v1/logs?after=9>; rel="next"'
    )
    assert next_link(header) == "https://x.okta.com/api/v1/logs?after=9"
    assert next_link('<https://x.okta.com/api/v1/logs?a=1>; rel="self"') is None
    assert next_link(None) is None


def test_https_with_a_private_ca(stub: Stub, tmp_path: Path) -> None:
    """Real orgs are https: the client verifies the server against the CA it is given."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    stub.socket = context.wrap_socket(stub.socket, server_side=True)
    stub.scheme = "https"
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    url = f"https://127.0.0.1:{stub.server_address[1]}"
    okta = Okta(url, "t0ken", verify=str(ca_file))
    assert [i["id"] for i in okta.pages("list users", "/api/v1/users", {"limit": 2})][-1] == "u4"
    with pytest.raises(requests.exceptions.SSLError):
        Okta(url, "t0ken").call("list users", "GET", "/api/v1/users")  # not the system's CA


def log_requests(stub: Stub) -> list[str]:
    return [path for path, _ in stub.seen if path.startswith("/api/v1/logs")]


def test_the_system_log_is_read_as_a_bounded_query_and_ends_at_its_last_page(
    stub: Stub,
) -> None:
    """A polling query (no ``until``) links a next page for ever: read that way, every
    ``doctor`` run made MAX_PAGES (100) System Log requests."""
    okta = client(stub, [])
    events = list(okta.logs("2026-01-01T00:00:00.000Z", "2026-01-02T00:00:00.000Z", "x"))
    assert [e["uuid"] for e in events] == ["e0", "e1", "e2"]
    assert len(log_requests(stub)) == 2
    assert all("until=" in path for path in log_requests(stub)[:1])


def test_an_empty_page_ends_a_listing_whose_pages_always_link_a_next_one(stub: Stub) -> None:
    okta = client(stub, [])
    events = list(okta.pages("System Log", "/api/v1/logs", {"since": "2026-01-01T00:00:00Z"}))
    assert len(events) == 3
    assert len(log_requests(stub)) == 3  # two pages of events, one empty page: the end


def test_a_next_link_to_another_host_is_not_followed_with_the_token(stub: Stub) -> None:
    stub.next_host = "http://attacker.invalid/api/v1/logs"
    okta = client(stub, [])
    with pytest.raises(OktaError, match="another host"):
        list(okta.pages("System Log", "/api/v1/logs", {"since": "2026-01-01T00:00:00Z"}))
    assert len(stub.seen) == 1
