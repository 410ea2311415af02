"""Integrations > API Configuration > Okta Inline Hook: the application, its Authentication
Details, the Okta Setup Values, and Generate New Password (CONTRACT.md §5).

The secret exists in clear only in the answer to Generate New Password (the store keeps a
scrypt hash), so that answer is the one page that shows it, once, with ``no-store``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from mocks.ezitxt.applications import AUTH_FIELD
from mocks.ezitxt.errors import EzitxtError, NotFound
from mocks.ezitxt.models import Application
from mocks.ezitxt.portal.sessions import Session
from mocks.ezitxt.portal.web import HOME, backend_of, console_page, posted, redirect, render

PASSWORD = HOME + "/password"
APPLICATIONS = HOME + "/applications"


def _page_of(name: str) -> str:
    return f"{HOME}?{urlencode({'application': name})}"


def _chosen(request: Request, apps: list[Application], name: str | None) -> Application | None:
    if name:
        for app in apps:
            if app.name == name:
                return app
    return apps[0] if apps else None


def _hook_page(
    request: Request,
    session: Session,
    *,
    chosen: str | None,
    error: str | None = None,
    new_name: str = "",
    status_code: int = 200,
) -> Response:
    backend = backend_of(request)
    apps = backend.applications.all()
    app = _chosen(request, apps, chosen)
    return render(
        request,
        "okta_inline_hook.html",
        session,
        status_code=status_code,
        applications=apps,
        app=app,
        hook_url=backend.hook_url,
        auth_field=AUTH_FIELD,
        error=error,
        new_name=new_name,
        created=request.query_params.get("created") == "1",
    )


@console_page
async def okta_inline_hook(request: Request, session: Session) -> Response:
    return _hook_page(request, session, chosen=request.query_params.get("application"))


@console_page
async def create_application(request: Request, session: Session) -> Response:
    name = posted(request).get("name", "").strip()
    try:
        app = backend_of(request).applications.create(name)
    except EzitxtError as exc:
        reason = (
            "That Application Name is taken."
            if exc.status_code == 409
            else "An Application Name has 1 to 64 letters, digits, spaces, dots, underscores "
            "or hyphens, and starts and ends with a letter or digit."
        )
        return _hook_page(
            request,
            session,
            chosen=None,
            error=reason,
            new_name=name,
            status_code=409 if exc.status_code == 409 else 400,
        )
    return redirect(_page_of(app.name) + "&created=1")


def _not_found(request: Request, session: Session) -> Response:
    return render(
        request,
        "not_found.html",
        session,
        status_code=404,
        what="application",
        back=HOME,
        back_label="Okta Inline Hook",
    )


@console_page
async def confirm_password(request: Request, session: Session) -> Response:
    """The confirmation step: the old password stops working at once."""
    try:
        app = backend_of(request).applications.get(request.query_params.get("application", ""))
    except NotFound:
        return _not_found(request, session)
    return render(request, "confirm_password.html", session, app=app)


@console_page
async def generate_password(request: Request, session: Session) -> Response:
    backend = backend_of(request)
    try:
        new = await backend.applications.generate_password(posted(request).get("application", ""))
    except NotFound:
        return _not_found(request, session)
    return render(
        request,
        "new_password.html",
        session,
        app=new.application,
        values=new.setup_values(backend.hook_url),
        password=new.password,
    )


__all__ = [
    "APPLICATIONS",
    "PASSWORD",
    "confirm_password",
    "create_application",
    "generate_password",
    "okta_inline_hook",
]
