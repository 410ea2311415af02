"""The browser fixtures themselves: both mocks up on loopback, screenshots where promised."""

from __future__ import annotations

import requests
from playwright.sync_api import Page

from tests.browser.conftest import SCREENSHOTS, EzitxtServer, OktaServer, Shot


def test_okta_fixture_serves_its_api_with_the_token(okta: OktaServer) -> None:
    with requests.Session() as http:
        http.trust_env = False
        hooks = http.get(
            okta.url("/api/v1/inlineHooks"),
            headers={"Authorization": f"SSWS {okta.token}"},
            timeout=5,
        )
        refused = http.get(okta.url("/api/v1/inlineHooks"), timeout=5)
    assert hooks.status_code == 200 and hooks.json() == []
    assert refused.status_code == 401
    assert okta.base.startswith("http://127.0.0.1:")


def test_shot_saves_a_full_page_png_per_test(page: Page, ezitxt: EzitxtServer, shot: Shot) -> None:
    page.goto(ezitxt.url("/"))
    path = shot(page, "sign in page")
    assert path == SCREENSHOTS / "test_shot_saves_a_full_page_png_per_test" / "sign_in_page.png"
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
