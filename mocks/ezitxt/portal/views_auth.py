"""Sign-in at ``/`` and sign-out, for the demo account (``--console-user/-password``)."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response

from mocks.ezitxt.portal.sessions import COOKIE, Session, credentials_ok, csrf_ok
from mocks.ezitxt.portal.web import (
    console_of,
    current_session,
    form_of,
    redirect,
    refused,
    render,
    safe_next,
    set_session_cookie,
)

log = logging.getLogger("mocks.ezitxt.portal")


def _sign_in_page(
    request: Request,
    session: Session,
    *,
    next_path: str | None,
    error: str | None = None,
    user: str = "",
) -> Response:
    response = render(
        request,
        "signin.html",
        None,
        status_code=401 if error else 200,
        csrf=session.csrf,
        error=error,
        user=user,
        next=safe_next(next_path),
    )
    set_session_cookie(request, response, session)
    return response


async def sign_in(request: Request) -> Response:
    console = console_of(request)
    session = current_session(request)
    if request.method == "GET":
        if session is not None and session.user is not None:
            return redirect(safe_next(request.query_params.get("next")))
        # An anonymous session, so that the sign-in form itself carries a CSRF token.
        return _sign_in_page(
            request,
            session or console.sessions.start(),
            next_path=request.query_params.get("next"),
        )
    form = await form_of(request)
    if not csrf_ok(session, form.get("csrf")):
        return refused(request, None)
    assert session is not None
    user, password = form.get("username", ""), form.get("password", "")
    if not credentials_ok(user, password, console.user, console.password):
        log.info("console sign-in refused")
        return _sign_in_page(
            request,
            session,
            next_path=form.get("next"),
            error="Sign in failed: wrong user name or password.",
            user=user,
        )
    console.sessions.end(session)
    signed_in = console.sessions.start(user)
    log.info("console sign-in")
    response = redirect(safe_next(form.get("next")))
    set_session_cookie(request, response, signed_in)
    return response


async def sign_out(request: Request) -> Response:
    session = current_session(request)
    form = await form_of(request)
    if not csrf_ok(session, form.get("csrf")):
        return refused(request, None)
    assert session is not None
    console_of(request).sessions.end(session)
    response = redirect("/")
    response.delete_cookie(COOKIE, path="/")
    return response
