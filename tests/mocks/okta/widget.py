"""A form-filling client for the sign-in pages: it keeps the session cookie, reads the CSRF token
and the messages off each page, and posts forms as a browser would (urlencoded)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import requests

from tests.mocks.okta.conftest import FakeHook, Org


@dataclass
class Parsed:
    csrf_token: str | None = None
    notices: list[tuple[str, str]] = field(default_factory=list)  # (level, text)
    qa_note: str | None = None
    heading: str = ""
    buttons: list[tuple[str, bool]] = field(default_factory=list)  # (text, disabled)
    wait: str | None = None


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.page = Parsed()
        self._capture: str | None = None
        self._text: list[str] = []
        self._attrs: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "input" and a.get("name") == "csrf_token":
            self.page.csrf_token = a.get("value")
        if self._capture is None:
            if "notice" in classes:
                self._start("notice", a)
            elif "qa-note" in classes:
                self._start("qa", a)
            elif tag == "h1":
                self._start("h1", a)
            elif tag == "button":
                self._start("button", a)
            elif "wait" in classes:
                self._start("wait", a)

    def _start(self, what: str, attrs: dict[str, str | None]) -> None:
        self._capture, self._text, self._attrs = what, [], attrs

    def handle_data(self, data: str) -> None:
        if self._capture is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        ends = {"notice": "div", "qa": "p", "h1": "h1", "button": "button", "wait": "p"}
        if self._capture is None or ends[self._capture] != tag:
            return
        text = " ".join("".join(self._text).split())
        classes = (self._attrs.get("class") or "").split()
        if self._capture == "notice":
            level = next(c.removeprefix("notice-") for c in classes if c.startswith("notice-"))
            self.page.notices.append((level, text))
        elif self._capture == "qa":
            self.page.qa_note = text
        elif self._capture == "h1":
            self.page.heading = text
        elif self._capture == "button":
            self.page.buttons.append((text, "disabled" in self._attrs))
        elif self._capture == "wait":
            self.page.wait = text
        self._capture = None


def parse(html: str) -> Parsed:
    parser = _PageParser()
    parser.feed(html)
    return parser.page


class Widget:
    """One browser's session on the sign-in pages of ``org``."""

    def __init__(self, org: Org) -> None:
        self.url = org.url
        self.http = requests.Session()
        self.http.trust_env = False
        self.last: requests.Response | None = None
        self.page = Parsed()
        self.token = ""  # the session's CSRF token, from the last page that had a form

    def close(self) -> None:
        self.http.close()

    def _seen(self, response: requests.Response) -> requests.Response:
        self.last = response
        self.page = parse(response.text)
        self.token = self.page.csrf_token or self.token
        return response

    def get(self, path: str) -> requests.Response:
        return self._seen(self.http.get(self.url + path, timeout=10))

    def post(self, path: str, fields: dict[str, str] | None = None, **kw: Any) -> requests.Response:
        """Submit a form as the page would, with the session's CSRF token unless ``fields``
        has one."""
        data = {"csrf_token": self.token, **(fields or {})}
        return self._seen(self.http.post(self.url + path, data=data, timeout=10, **kw))

    @property
    def errors(self) -> list[str]:
        return [text for level, text in self.page.notices if level == "error"]

    def sign_in_to_code_page(self, username: str, start: str = "/signin") -> requests.Response:
        self.get(start)
        self.post("/signin/identify", {"username": username})
        return self.post("/signin/challenge")


def hook_otp(fake_hook: FakeHook, index: int = -1) -> str:
    otp: str = json.loads(fake_hook.received[index]["body"])["data"]["messageProfile"]["otpCode"]
    return otp


def outbox_otp(org: Org) -> str:
    """The code in the latest message Okta's own provider sent (the handset of the fallback)."""
    sent = org.api("GET", "/_mock/fallback/messages").json()
    assert sent, "Okta's own provider sent nothing"
    found = re.search(r"\d{6}", sent[-1]["text"])
    assert found is not None
    return found.group(0)
