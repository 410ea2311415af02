"""Browser-test fixtures: Debian's Chromium driven by Playwright, and the mocks on free ports.

- ``browser`` (package): one headless Chromium (``/usr/bin/chromium``; Playwright's own browser
  download is never used). ``make test`` installs the ``chromium`` package when it is missing.
- ``page`` (per test): a fresh context (no cookies carried over, clipboard allowed) and page;
  every wait is bounded by ``TIMEOUT_MS``.
- ``shot(page, name)``: a full-page screenshot at ``var/screenshots/<test>/<name>.png``.
- ``ezitxt``: mock EZITXT (short life-cycle timings, reset before the test) with the portal's
  demo account ``EZITXT_CONSOLE``; ``portal_sign_in(page, ezitxt)`` signs in by clicking.
- ``okta``: mock Okta over plain HTTP, with its API token and console account ``OKTA_CONSOLE``.

Servers are real uvicorn servers on 127.0.0.1 (``tests.servers.serve``), one per session, reset
before each test; everything started here is stopped here, even when a test fails.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from mocks.ezitxt.app import create_app as create_ezitxt
from mocks.ezitxt.backend import EzitxtBackend
from mocks.ezitxt.lifecycle import Timings
from mocks.okta.app import create_app as create_okta
from tests.servers import serve

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 5_000
NAVIGATION_TIMEOUT_MS = 10_000
VIEWPORT = {"width": 1280, "height": 860}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

# Fast enough for a quick suite, slow enough that every step of a walk is its own tick.
TIMINGS = Timings(
    queue_s=0.02,
    submit_s=0.02,
    send_s=0.02,
    receive_s=0.02,
    slow_s=0.5,
    expire_s=0.3,
    retry_s=0.05,
    retries=3,
    callback_backoff_s=0.05,
)


@dataclass(frozen=True)
class Account:
    user: str
    password: str


EZITXT_CONSOLE = Account("qa-browser@ezitxt.test", "portal-pass-1234")
OKTA_CONSOLE = Account("admin@okta.test", "okta-admin-pass-1234")
OKTA_TOKEN = "browser-test-api-token"


@dataclass(frozen=True)
class EzitxtServer:
    base: str
    backend: EzitxtBackend
    console: Account = EZITXT_CONSOLE

    def url(self, path: str) -> str:
        return self.base + path


@dataclass(frozen=True)
class OktaServer:
    base: str
    token: str = OKTA_TOKEN
    console: Account = OKTA_CONSOLE

    def url(self, path: str) -> str:
        return self.base + path


# Package scope, not session: while Playwright's sync API is up, its event loop counts as running
# in the main thread, and every later test calling asyncio.run() would fail.
@pytest.fixture(scope="package")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (make test does)")
    browser = playwright_driver.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=30_000
    )
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport=VIEWPORT, permissions=["clipboard-read", "clipboard-write"]
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    expect.set_options(timeout=TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        page.close()


Shot = Callable[[Page, str], Path]


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shot:
    """``shot(page, name)``: a full-page PNG under ``var/screenshots/<test>/``; its path."""
    folder = SCREENSHOTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    if folder.exists():
        for old in folder.glob("*.png"):
            old.unlink()

    def take(page: Page, name: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(scope="session")
def ezitxt_server() -> Iterator[EzitxtServer]:
    backend = EzitxtBackend(db_path=":memory:", timings=TIMINGS)
    app = create_ezitxt(
        backend, console_user=EZITXT_CONSOLE.user, console_password=EZITXT_CONSOLE.password
    )
    with serve(app) as base:
        yield EzitxtServer(base, backend)


@pytest.fixture
def ezitxt(ezitxt_server: EzitxtServer) -> EzitxtServer:
    """Mock EZITXT with no application, message or fault left by an earlier test."""
    with requests.Session() as http:
        http.trust_env = False
        assert http.post(ezitxt_server.url("/_mock/reset"), timeout=5).status_code == 204
    return ezitxt_server


@pytest.fixture(scope="session")
def okta_server() -> Iterator[OktaServer]:
    app = create_okta(
        api_token=OKTA_TOKEN,
        allow_http=True,
        console_user=OKTA_CONSOLE.user,
        console_password=OKTA_CONSOLE.password,
    )
    with serve(app) as base:
        yield OktaServer(base)


@pytest.fixture
def okta(okta_server: OktaServer) -> OktaServer:
    """Mock Okta, reset before the test."""
    with requests.Session() as http:
        http.trust_env = False
        response = http.post(okta_server.url("/_mock/reset"), timeout=5)
        assert response.status_code == 204, response.text
    return okta_server


def portal_sign_in(page: Page, ezitxt: EzitxtServer, shot: Shot | None = None) -> None:
    """Sign in to the mock EZITXT portal by typing the demo account, as a person would."""
    page.goto(ezitxt.url("/"))
    page.get_by_label("User name").fill(ezitxt.console.user)
    page.get_by_label("Password").fill(ezitxt.console.password)
    if shot is not None:
        shot(page, "portal-sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Okta Inline Hook", exact=True)).to_be_visible()
