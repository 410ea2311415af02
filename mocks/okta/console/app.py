"""``create_console``: the Admin Console as a Starlette app that ``mocks.okta.app`` mounts at
``/admin``, sharing the org's ``Runtime`` (its backend, hook session and timeout)."""

from __future__ import annotations

import secrets

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from mocks.okta.console import (
    pages_authenticators,
    pages_event_hooks,
    pages_home,
    pages_hooks,
    pages_logs,
    pages_people,
)
from mocks.okta.console.lockout import FailedSignIns
from mocks.okta.console.render import page
from mocks.okta.console.session import AdminSessionMiddleware
from mocks.okta.errors import NotFound, OktaError
from mocks.okta.runtime import Runtime

# The demo admin; ``mock-okta --help`` shows these, the stack passes its own.
DEFAULT_USER = "admin@mock-okta.local"
DEFAULT_PASSWORD = "Okta-Admin-2026!"
MOUNT_PATH = "/admin"


async def error_page(request: Request, exc: Exception) -> Response:
    """Errors as console pages, never the API's JSON."""
    if isinstance(exc, HTTPException):
        status, detail = exc.status_code, exc.detail
        if status == 404:
            detail = "There is no such page in the Admin Console."
        elif status == 405:
            detail = "This page does not accept that kind of request."
    elif isinstance(exc, NotFound):
        status, detail = 404, exc.summary
    elif isinstance(exc, OktaError):
        status, detail = exc.status, exc.summary
    else:
        raise exc
    return page(request, "error.html", status=status, title=f"Error {status}", detail=detail)


def create_console(
    runtime: Runtime,
    *,
    user: str = DEFAULT_USER,
    password: str = DEFAULT_PASSWORD,
    secret_key: str | None = None,
    org_name: str = "Mock Okta org",
) -> Starlette:
    """The console; ``secret_key`` signs the session cookie (default: random per process, so a
    restart signs everyone out)."""
    if not user or not password:
        raise ValueError("the console needs a user and a password")
    console = Starlette(
        routes=[
            *pages_home.ROUTES,
            *pages_hooks.ROUTES,
            *pages_event_hooks.ROUTES,
            *pages_logs.ROUTES,
            *pages_people.ROUTES,
            *pages_authenticators.ROUTES,
            Mount(
                "/static",
                StaticFiles(packages=[("mocks.okta.console", "static")]),
                name="static",
            ),
        ],
        middleware=[
            Middleware(
                AdminSessionMiddleware,
                secret_key=secret_key or secrets.token_urlsafe(32),
                path=MOUNT_PATH,
            )
        ],
        exception_handlers={HTTPException: error_page, OktaError: error_page},
    )
    console.state.okta = runtime
    console.state.console_user = user
    console.state.console_password = password
    console.state.org_name = org_name
    console.state.failed_sign_ins = FailedSignIns(runtime.backend.clock)
    return console
