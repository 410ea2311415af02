"""Okta's management API over plain HTTP (``requests``): ``SSWS`` token, ``Link`` paging and
rate limits (CONTRACT.md §4).

Why not the ``okta`` SDK (v3): it is asyncio-only, for synchronous commands whose extra is
``requests`` alone; it waits out a 429 for as long as ``X-Rate-Limit-Reset`` says, with no bound
of the caller's, and fails one without a ``Date`` header. It has ``execute_inline_hook``; the
endpoints used here are a few lines each over plain HTTP.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import requests

TIMEOUT_S = 15.0
MAX_RETRIES = 3  # 429s in a row before giving up
MAX_WAIT_S = 10.0  # the longest one back-off may wait, whatever X-Rate-Limit-Reset says
MAX_PAGES = 100
USERS_PAGE = 200  # Okta's largest page of /api/v1/users
TELEPHONY = "com.okta.telephony.provider"
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="next"')

Sleep = Callable[[float], None]


class OktaError(RuntimeError):
    def __init__(self, what: str, status: int, summary: str) -> None:
        super().__init__(f"Okta {what}: HTTP {status} {summary}")
        self.status = status
        self.summary = summary


def mask_token(token: str) -> str:
    return f"{token[:4]}… ({len(token)} characters, hidden)" if token else "(none)"


def next_link(header: str | None) -> str | None:
    """The ``rel="next"`` URL of Okta's ``Link`` header, if any."""
    match = _NEXT.search(header or "")
    return match.group(1) if match else None


def backoff_s(response: requests.Response, attempt: int, now: float) -> float:
    """How long to wait after a 429: until ``X-Rate-Limit-Reset`` (epoch seconds) when given,
    else 1, 2, 4 s; never more than MAX_WAIT_S."""
    reset = response.headers.get("X-Rate-Limit-Reset", "")
    wait = float(reset) - now + 0.1 if reset.isdigit() else float(2**attempt)
    return min(max(wait, 0.1), MAX_WAIT_S)


class Okta:
    def __init__(
        self, url: str, token: str, *, verify: bool | str = True, sleep: Sleep = time.sleep
    ) -> None:
        self.url = url.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update(
            {"Authorization": f"SSWS {token}", "Accept": "application/json"}
        )
        # Per request, not session.verify: requests lets REQUESTS_CA_BUNDLE override the
        # session's CA (psf/requests#3829), which would ignore --ca-file.
        self.verify = verify
        self._sleep = sleep
        # The listings (by ``what``) that stopped at MAX_PAGES with a next page still linked.
        self.cut_short: set[str] = set()
        # Per path: when its rate-limit bucket, spent (X-Rate-Limit-Remaining 0), is reset.
        self._not_before: dict[str, float] = {}

    def close(self) -> None:
        self.session.close()

    def request(
        self, what: str, method: str, path_or_url: str, *, ok: tuple[int, ...] = (200,), **kw: Any
    ) -> requests.Response:
        url = path_or_url if "://" in path_or_url else self.url + path_or_url
        bucket = urlsplit(url).path
        for attempt in range(MAX_RETRIES + 1):
            self._wait_for(bucket)
            response = self.session.request(
                method, url, timeout=TIMEOUT_S, verify=self.verify, **kw
            )
            self._note_limit(bucket, response)
            if response.status_code != 429 or attempt == MAX_RETRIES:
                break
            self._sleep(backoff_s(response, attempt, time.time()))
            self._not_before.pop(bucket, None)  # waited out just now
        if response.status_code not in ok:
            raise OktaError(what, response.status_code, _summary(response))
        return response

    def _note_limit(self, path: str, response: requests.Response) -> None:
        """Okta's advice: when ``X-Rate-Limit-Remaining`` reaches 0, send no more to that
        endpoint before ``X-Rate-Limit-Reset``; a 429 would be a rate-limit violation in the
        org's System Log. Kept per path: Okta's buckets can span several paths (its catch-all
        ``/api/v1/`` one), and a 429 there is still waited out by ``request``."""
        reset = response.headers.get("X-Rate-Limit-Reset", "")
        if response.headers.get("X-Rate-Limit-Remaining") == "0" and reset.isdigit():
            self._not_before[path] = float(reset) + 0.1
        else:
            self._not_before.pop(path, None)

    def _wait_for(self, path: str) -> None:
        wait = self._not_before.get(path, 0.0) - time.time()
        if wait > 0:
            self._sleep(min(wait, MAX_WAIT_S))

    def call(self, what: str, method: str, path: str, **kw: Any) -> Any:
        response = self.request(what, method, path, **kw)
        return response.json() if response.content else None

    def pages(self, what: str, path: str, params: dict[str, Any] | None = None) -> Iterator[Any]:
        """Every item of a listing, following ``Link: rel="next"`` (bounded).

        An empty page ends it: a System Log query without ``until`` is a polling query, whose
        every page links a next one, empty or not (okta/okta-sdk-python#231). A next link to
        another origin is not followed: the session sends the API token with every request."""
        url: str | None = path
        for _ in range(MAX_PAGES):
            if url is None:
                return
            response = self.request(what, "GET", url, params=params)
            params = None  # the next link carries them
            items = response.json()
            if not items:
                return
            yield from items
            url = next_link(response.headers.get("Link"))
            if url is not None and _origin(url) != _origin(self.url):
                raise OktaError(what, response.status_code, f"next page on another host: {url}")
        if url is not None:
            self.cut_short.add(what)

    # The endpoints these tools use.
    def telephony_hooks(self) -> list[dict[str, Any]]:
        return list(self.pages("list inline hooks", "/api/v1/inlineHooks", {"type": TELEPHONY}))

    def hook(self, hook_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.call(
            "get inline hook", "GET", f"/api/v1/inlineHooks/{hook_id}"
        )
        return found

    def create_hook(self, body: dict[str, Any]) -> dict[str, Any]:
        made: dict[str, Any] = self.call(
            "create inline hook", "POST", "/api/v1/inlineHooks", json=body
        )
        return made

    def replace_hook(self, hook_id: str, body: dict[str, Any]) -> dict[str, Any]:
        path = f"/api/v1/inlineHooks/{hook_id}"
        done: dict[str, Any] = self.call("update inline hook", "PUT", path, json=body)
        return done

    def lifecycle(self, hook_id: str, action: str) -> dict[str, Any]:
        path = f"/api/v1/inlineHooks/{hook_id}/lifecycle/{action}"
        done: dict[str, Any] = self.call(f"{action} inline hook", "POST", path)
        return done

    def execute(self, hook_id: str, body: dict[str, Any]) -> requests.Response:
        path = f"/api/v1/inlineHooks/{hook_id}/execute"
        return self.request("execute inline hook", "POST", path, json=body, ok=(200, 400))

    def users(self) -> Iterator[dict[str, Any]]:
        return self.pages("list users", "/api/v1/users", {"limit": USERS_PAGE})

    def user_by_login(self, login: str) -> dict[str, Any] | None:
        """One or two requests whatever the org's size (a listing of every user stops at
        MAX_PAGES). ``filter`` on ``profile.login`` reads the most up-to-date data (a user
        created a moment ago is found; ``search`` is eventually consistent) but compares
        case-sensitively; ``/api/v1/users/{login}`` does not, but cannot take a ``/``."""
        quoted = login.replace("\\", "\\\\").replace('"', '\\"')
        params = {"filter": f'profile.login eq "{quoted}"', "limit": 1}
        found = self.call("find user", "GET", "/api/v1/users", params=params)
        if isinstance(found, list) and found:
            return dict(found[0])
        if "/" in login:
            return None
        path = f"/api/v1/users/{quote(login, safe='@')}"
        response = self.request("get user", "GET", path, ok=(200, 404))
        return dict(response.json()) if response.status_code == 200 else None

    def logs(self, since: str, until: str, filter_text: str) -> Iterator[dict[str, Any]]:
        """A bounded query (``since`` and ``until``): its last page links no next one."""
        params = {"since": since, "until": until, "filter": filter_text, "limit": 1000}
        return self.pages("System Log", "/api/v1/logs", params)


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _summary(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        causes = [c.get("errorSummary", "") for c in body.get("errorCauses") or []]
        return "; ".join([str(body.get("errorSummary", "")), *causes]).strip("; ")
    return str(body)[:200]
