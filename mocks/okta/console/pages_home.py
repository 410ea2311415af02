"""Sign-in, sign-out and the dashboard."""

from __future__ import annotations

import hmac
import math
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mocks.okta.backend import ADMIN
from mocks.okta.console.lockout import FailedSignIns
from mocks.okta.console.render import client_ip, page, runtime
from mocks.okta.console.session import admin_page, checked_form, console_path, session
from mocks.okta.system_log import DEFAULT_WINDOW_S, Entity

# Okta's Sign-In Widget says no more than this, whichever of the two was wrong.
SIGNIN_FAILED = "Unable to sign in"


def _home_path(request: Request) -> str:
    return console_path(request, "home")


def _safe_next(request: Request, target: str | None) -> str:
    """Only a path inside the console: never another site (an open redirect)."""
    home = _home_path(request)
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and target.startswith(home):
        return target
    return home


async def signin_form(request: Request) -> Response:
    if session(request).get("user"):
        return RedirectResponse(_home_path(request), status_code=303)
    return page(
        request,
        "signin.html",
        title="Sign In",
        next=_safe_next(request, request.query_params.get("next")),
        username="",
        error=None,
    )


async def signin_submit(request: Request) -> Response:
    form = await checked_form(request)
    username = str(form.get("username", ""))
    password = str(form.get("password", ""))
    state = request.app.state
    target = _safe_next(request, str(form.get("next", "")))
    failures: FailedSignIns = state.failed_sign_ins
    wait_s = failures.locked_for(username)
    if wait_s > 0:
        minutes = max(1, math.ceil(wait_s / 60))
        error = f"Too many failed sign-ins. Try again in {minutes} minute{'s' * (minutes > 1)}."
        return page(
            request,
            "signin.html",
            status=429,
            title="Sign In",
            next=target,
            username=username,
            error=error,
        )
    good_user = hmac.compare_digest(username.encode(), state.console_user.encode())
    good_password = hmac.compare_digest(password.encode(), state.console_password.encode())
    if not (good_user and good_password):
        failures.failed(username)
        _log_sign_in(request, username, ok=False)
        if failures.locked_for(username) > 0:
            _log_lock(request, username)
        return page(
            request,
            "signin.html",
            status=401,
            title="Sign In",
            next=target,
            username=username,
            error=SIGNIN_FAILED,
        )
    failures.succeeded(username)
    _log_sign_in(request, username, ok=True)
    data = session(request)
    data.clear()  # a fresh session (and CSRF token) on sign-in: no session fixation
    data["user"] = state.console_user
    return RedirectResponse(target, status_code=303)


def _actor(username: str) -> Entity:
    # The attempted username, as Okta records it; never the password.
    return Entity(ADMIN.id, "User", username[:100], None)


def _log_sign_in(request: Request, username: str, *, ok: bool) -> None:
    """``user.session.start`` as Okta writes it for an admin's sign-in (reason
    ``INVALID_CREDENTIALS`` on failure)."""
    runtime(request).backend.log.emit(
        "user.session.start",
        "User login to Okta Admin Console",
        result="SUCCESS" if ok else "FAILURE",
        reason=None if ok else "INVALID_CREDENTIALS",
        severity="INFO" if ok else "WARN",
        actor=_actor(username),
        client_ip=client_ip(request),
    )


def _log_lock(request: Request, username: str) -> None:
    runtime(request).backend.log.emit(
        "user.account.lock",
        "Max sign in attempts exceeded",
        severity="WARN",
        actor=_actor(username),
        client_ip=client_ip(request),
    )


async def signout(request: Request) -> Response:
    await checked_form(request)
    session(request).clear()
    return RedirectResponse(console_path(request, "signin"), status_code=303)


@admin_page
async def home(request: Request) -> Response:
    backend = runtime(request).backend
    now = backend.clock()
    recent = backend.log.query(since=now - DEFAULT_WINDOW_S, until=now + 1, limit=1000)
    failures = sum(1 for e in recent.events if e["outcome"]["result"] != "SUCCESS")
    return page(
        request,
        "home.html",
        section="home",
        title="Dashboard",
        hooks=backend.hooks.list(),
        active=backend.hooks.active_telephony(),
        users=len(backend.users.list()),
        events=len(recent.events),
        failures=failures,
        phone=backend.phone.settings(),
    )


ROUTES = [
    Route("/", home, methods=["GET"], name="home"),
    Route("/signin", signin_form, methods=["GET"], name="signin"),
    Route("/signin", signin_submit, methods=["POST"]),
    Route("/signout", signout, methods=["POST"], name="signout"),
]
