"""HTTP plumbing of the sign-in page: the session cookie, bounded form bodies, the CSRF check on
every POST, and pages rendered with the headers a sign-in page needs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from mocks.okta.signin.sessions import COOKIE, SessionStore, SignInSession

MAX_FORM_BYTES = 8 * 1024
MAX_FIELDS = 10
FORM_TYPE = "application/x-www-form-urlencoded"
FORBIDDEN = "This form was not sent from this page, or your session has expired. Start again."
HEADERS = {
    # A sign-in page is never cached, framed, or allowed scripts from elsewhere.
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'"
    ),
}

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

FormHandler = Callable[[Request, SignInSession, dict[str, str]], Awaitable[Response]]


def store(request: Request) -> SessionStore:
    sessions: SessionStore = request.app.state.signin
    return sessions


def session_of(request: Request) -> SignInSession | None:
    return store(request).get(request.cookies.get(COOKIE))


def page(
    request: Request,
    session: SignInSession,
    template: str,
    context: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """A page of the widget, with the session's CSRF token for its forms and its notices."""
    full = {
        "csrf_token": session.csrf_token,
        "notices": session.take_notices(),
        "journey": session.journey,
        **(context or {}),
    }
    response = templates.TemplateResponse(request, template, full, status_code=status)
    return with_session(response, session)


def redirect(session: SignInSession, url: str) -> Response:
    # 303: the browser follows a POST's answer with a GET (post/redirect/get).
    return with_session(RedirectResponse(url, status_code=303), session)


def with_session(response: Response, session: SignInSession) -> Response:
    response.headers.update(HEADERS)
    response.set_cookie(COOKIE, session.id, path="/", httponly=True, samesite="strict")
    return response


def refused(request: Request, status: int, text: str) -> Response:
    """A refused POST: no session is created or changed by it."""
    response = templates.TemplateResponse(
        request, "refused.html", {"message": text}, status_code=status
    )
    response.headers.update(HEADERS)
    return response


async def read_form(request: Request) -> dict[str, str] | Response:
    """The urlencoded fields of a POST, at most MAX_FORM_BYTES read; a refusal otherwise."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM_TYPE:
        return refused(request, 415, "This page accepts its own forms only.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return refused(request, 413, "The form is too large.")
    try:
        pairs = parse_qsl(body.decode("utf-8"), max_num_fields=MAX_FIELDS, errors="strict")
    except (UnicodeDecodeError, ValueError):
        return refused(request, 400, "The form could not be read.")
    return dict(pairs)


def form_post(handler: FormHandler) -> Callable[[Request], Awaitable[Response]]:
    """A POST route of the widget: it needs the session cookie and that session's CSRF token."""

    @wraps(handler)
    async def checked(request: Request) -> Response:
        form = await read_form(request)
        if isinstance(form, Response):
            return form
        session = session_of(request)
        if session is None or not session.csrf_ok(form.get("csrf_token")):
            return refused(request, 403, FORBIDDEN)
        return await handler(request, session, form)

    return checked
