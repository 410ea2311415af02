"""The console's HTTP plumbing: templates, the sign-in guard, CSRF checks and safe headers.

Pages are HTML; everything else in the app stays JSON. Jinja2 autoescapes every value, so a
hostile message content or application name is shown as text, never run. The pages load no
inline script (the CSP forbids it) and nothing from another origin.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from mocks.ezitxt.backend import EzitxtBackend
from mocks.ezitxt.portal.console import Console
from mocks.ezitxt.portal.sessions import COOKIE, MAX_AGE_S, Session, csrf_ok

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
SIGN_IN = "/"
HOME = "/integrations/api-configuration/okta-inline-hook"
MAX_FORM_BYTES = 16 * 1024

SECURITY_HEADERS = {
    "cache-control": "no-store",
    "content-security-policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}

Handler = Callable[[Request, Session], Awaitable[Response]]


def _when(epoch: float | None) -> str:
    if epoch is None:
        return ""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _when_short(epoch: float) -> str:
    """For table cells, whose header says the times are UTC."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _when_iso(text: str | None) -> str:
    """An RFC 3339 time from the history, shown like every other time on the pages."""
    if not text:
        return ""
    try:
        return _when(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return text


templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.filters["when"] = _when
templates.filters["when_iso"] = _when_iso
templates.filters["when_short"] = _when_short


def backend_of(request: Request) -> EzitxtBackend:
    backend: EzitxtBackend = request.app.state.backend
    return backend


def console_of(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


def current_session(request: Request) -> Session | None:
    return console_of(request).sessions.find(request.cookies.get(COOKIE))


def render(
    request: Request,
    template: str,
    session: Session | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    page = templates.get_template(template).render(
        session=session, path=request.url.path, **context
    )
    return HTMLResponse(page, status_code=status_code, headers=SECURITY_HEADERS)


def set_session_cookie(request: Request, response: Response, session: Session) -> None:
    response.set_cookie(
        COOKIE,
        console_of(request).sessions.cookie_value(session),
        max_age=MAX_AGE_S,
        httponly=True,
        samesite="strict",
        path="/",
    )


def redirect(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=303, headers={"cache-control": "no-store"})


def safe_next(target: str | None) -> str:
    """Only a path on this site: ``//evil.example`` or ``https://…`` would be an open redirect."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return HOME


async def form_of(request: Request) -> dict[str, str]:
    """A small urlencoded form; anything else reads as empty (and so fails the CSRF check)."""
    if request.headers.get("content-type", "").split(";")[0].strip() != (
        "application/x-www-form-urlencoded"
    ):
        return {}
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return {}
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        return {}
    return dict(pairs)


def refused(request: Request, session: Session | None) -> HTMLResponse:
    return render(
        request,
        "refused.html",
        session if session and session.user else None,
        status_code=403,
    )


def console_page(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Signed in or sent to sign-in (GET); and, for a POST, the session's CSRF token too."""

    async def guarded(request: Request) -> Response:
        session = current_session(request)
        if session is None or session.user is None:
            if request.method == "GET":
                target = request.url.path
                if request.url.query:
                    target += "?" + request.url.query
                return redirect(f"{SIGN_IN}?{urlencode({'next': target})}")
            return refused(request, None)
        if request.method == "POST":
            form = await form_of(request)
            if not csrf_ok(session, form.get("csrf")):
                return refused(request, session)
            request.state.form = form
        return await handler(request, session)

    return guarded


def posted(request: Request) -> dict[str, str]:
    form: dict[str, str] = request.state.form
    return form
