"""A signed-in browser-less client of the Admin Console: a requests session holding the console's
cookie, reading each form's CSRF token from the page as a browser would."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from mocks.okta.console.app import DEFAULT_PASSWORD, DEFAULT_USER
from tests.mocks.okta.conftest import FakeHook, Org

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: str) -> str:
    match = _CSRF.search(page)
    assert match, "the page has no form with a CSRF token"
    return html.unescape(match.group(1))


def text_of(page: str) -> str:
    """The page's text, tags dropped and entities decoded, whitespace squeezed."""
    without_code = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    without_inline = re.sub(r"</?(strong|span|a|em|b|wbr)\b[^>]*>", "", without_code)
    without_tags = re.sub(r"<[^>]+>", " ", without_inline)
    return re.sub(r"\s+", " ", html.unescape(without_tags)).strip()


@dataclass
class Console:
    url: str
    http: requests.Session
    token: str = ""

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        response = self.http.get(self.url + path, timeout=10, **kwargs)
        if "csrf_token" in response.text:
            self.token = csrf_of(response.text)
        return response

    def post(
        self, path: str, data: Any = None, *, csrf: bool = True, **kwargs: Any
    ) -> requests.Response:
        fields: list[tuple[str, str]] = list(data.items() if isinstance(data, dict) else data or [])
        if csrf:
            if not self.token:
                self.get("/admin/")
            fields.append(("csrf_token", self.token))
        response = self.http.post(self.url + path, data=fields, timeout=10, **kwargs)
        if "csrf_token" in response.text:
            self.token = csrf_of(response.text)
        return response

    def sign_in(
        self, user: str = DEFAULT_USER, password: str = DEFAULT_PASSWORD
    ) -> requests.Response:
        self.get("/admin/signin")
        return self.post("/admin/signin", {"username": user, "password": password})


def new_console(url: str) -> Console:
    http = requests.Session()
    http.trust_env = False
    return Console(url, http)


@pytest.fixture
def anonymous(org: Org) -> Iterator[Console]:
    console = new_console(org.url)
    with console.http:
        yield console


@pytest.fixture
def console(org: Org, fake_hook: FakeHook) -> Iterator[Console]:
    console = new_console(org.url)
    with console.http:
        response = console.sign_in()
        assert response.status_code == 200, response.text
        yield console
