"""Synchronous API clients for the stack's setup steps, demo and tests (``requests``; DESIGN.md
decision 10 keeps aiohttp for the servers' own calls)."""

from __future__ import annotations

from typing import Any

import requests

TIMEOUT_S = 10.0


class ApiError(RuntimeError):
    def __init__(self, what: str, response: requests.Response) -> None:
        super().__init__(f"{what}: HTTP {response.status_code} {response.text[:300]}")
        self.status_code = response.status_code
        self.response = response


class Api:
    """One base URL, one pooled session; JSON in, JSON out, errors raised with the step's name."""

    def __init__(self, base_url: str, headers: dict[str, str] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.trust_env = False  # loopback only; also saves ~20% CPU (DESIGN.md)
        self.session.headers.update(headers or {})

    def call(
        self, what: str, method: str, path: str, *, ok: tuple[int, ...] = (200,), **kwargs: Any
    ) -> Any:
        response = self.session.request(method, self.base_url + path, timeout=TIMEOUT_S, **kwargs)
        if response.status_code not in ok:
            raise ApiError(what, response)
        return response.json() if response.content else None

    def close(self) -> None:
        self.session.close()


def okta_api(base_url: str, api_token: str) -> Api:
    return Api(base_url, {"Authorization": f"SSWS {api_token}", "Accept": "application/json"})
