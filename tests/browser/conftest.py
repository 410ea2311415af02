"""Browser-test fixtures: Debian's Chromium driven by Playwright, and the mocks on free ports.

- ``browser`` (package): one headless Chromium (``/usr/bin/chromium``; Playwright's own browser
  download is never used). ``make test`` installs the ``chromium`` package when it is missing.
- ``page`` (per test): a fresh context (no cookies carried over, clipboard allowed) and page;
  every wait is bounded by ``TIMEOUT_MS``.
- ``shot(page, name)``: a full-page screenshot at ``var/screenshots/<test>/<name>.png``, taken
  only if the page is tidy: nothing wider than the window or its box (a table whose last
  column sits off to the right fails the test, naming the element).
- Every page (URL path) a test's browser lands on must have a screenshot kept of it: a passing
  test that visited a page without calling ``shot`` there fails at teardown, naming the pages.
  So does one whose pages asked anything of a host other than 127.0.0.1 (nothing is fetched
  from the internet: no font, script or style from elsewhere).
- ``ezitxt``: mock EZITXT (short life-cycle timings, reset before the test) with the portal's
  demo account ``EZITXT_CONSOLE``; ``portal_sign_in(page, ezitxt, shot)`` signs in by clicking.
- ``okta``: mock Okta over plain HTTP, with its API token and console account ``OKTA_CONSOLE``.

Servers are real uvicorn servers on 127.0.0.1 (``tests.servers.serve``), one per session, reset
before each test; everything started here is stopped here, even when a test fails.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Frame,
    Page,
    Playwright,
    ViewportSize,
    expect,
    sync_playwright,
)

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
VIEWPORT: ViewportSize = {"width": 1280, "height": 860}
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


CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remembers whether the test body failed: a test stopped half-way has unvisited shots."""
    report = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    return report


@dataclass
class Visits:
    """The pages (URL paths) a test's browser landed on, and those a screenshot was kept of."""

    landed: dict[str, str] = field(default_factory=dict)  # path -> the first URL seen there
    shot: set[str] = field(default_factory=set)
    offsite: list[str] = field(default_factory=list)  # requests to any host but 127.0.0.1

    def watch(self, page: Page) -> None:
        def landed(frame: Frame) -> None:
            if frame is page.main_frame and urlsplit(frame.url).scheme in ("http", "https"):
                self.landed.setdefault(urlsplit(frame.url).path, frame.url)

        page.on("framenavigated", landed)
        page.on("request", lambda request: self._asked(request.url))

    def _asked(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != "127.0.0.1":
            self.offsite.append(url)

    def missing(self) -> list[str]:
        return [url for path, url in self.landed.items() if path not in self.shot]


@pytest.fixture
def visits(request: pytest.FixtureRequest) -> Iterator[Visits]:
    visits = Visits()
    yield visits
    if not request.node.stash.get(CALL_FAILED, True) and visits.missing():
        pytest.fail(f"pages visited without a screenshot: {', '.join(visits.missing())}")
    if visits.offsite:
        pytest.fail(f"pages asked another host: {', '.join(visits.offsite[:5])}")


@pytest.fixture
def context(browser: Browser, visits: Visits) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport=VIEWPORT, permissions=["clipboard-read", "clipboard-write"]
    )
    context.on("page", visits.watch)
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


# What makes a page untidy to a person: the page wider than the window (a sideways scroll), or
# a box whose content runs past its right edge (a table's last columns off-screen). Form
# fields and code blocks scroll inside themselves by design; a 1 px box is a screen-reader label.
UNTIDY_JS = """() => {
  const found = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) {
    found.push(`the page is ${root.scrollWidth}px wide in a ${root.clientWidth}px window`);
  }
  for (const el of document.body.querySelectorAll("*")) {
    if (["INPUT", "TEXTAREA", "SELECT", "PRE", "CODE"].includes(el.tagName)) continue;
    if (el.clientWidth <= 1) continue;  // visually hidden on purpose (a screen-reader label)
    const x = getComputedStyle(el).overflowX;
    if (["auto", "scroll", "hidden", "clip"].includes(x) && el.scrollWidth > el.clientWidth + 1) {
      const classes = typeof el.className === "string" ? el.className.trim().split(/\\s+/) : [];
      const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + classes.filter(Boolean).map(c => "." + c).join("");
      found.push(`${name} holds ${el.scrollWidth}px in ${el.clientWidth}px`);
    }
  }
  return found;
}"""


@pytest.fixture
def shot(request: pytest.FixtureRequest, visits: Visits) -> Shot:
    """``shot(page, name)``: a full-page PNG under ``var/screenshots/<test>/``; its path.
    Fails the test if the page is untidy (``UNTIDY_JS``)."""
    folder = SCREENSHOTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    if folder.exists():
        for old in folder.glob("*.png"):
            old.unlink()

    def take(page: Page, name: str) -> Path:
        visits.shot.add(urlsplit(page.url).path)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
        page.screenshot(path=str(path), full_page=True)
        untidy: list[str] = page.evaluate(UNTIDY_JS)
        assert not untidy, f"{name} ({page.url}) is untidy: {'; '.join(untidy)}"
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


def portal_sign_in(page: Page, ezitxt: EzitxtServer, shot: Shot) -> None:
    """Sign in to the mock EZITXT portal by typing the demo account, as a person would; a
    screenshot of the sign-in page and of the page it leads to."""
    page.goto(ezitxt.url("/"))
    page.get_by_label("User name").fill(ezitxt.console.user)
    page.get_by_label("Password").fill(ezitxt.console.password)
    shot(page, "portal-sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Okta Inline Hook", exact=True)).to_be_visible()
    shot(page, "portal-signed-in")
