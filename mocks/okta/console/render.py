"""Rendering: the Jinja2 environment (autoescaping everything) and what every page gets."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from mocks.common.timestamps import iso
from mocks.okta.backend import ADMIN
from mocks.okta.console.session import (
    CSRF_FIELD,
    console_path,
    csrf_token,
    signed_in_user,
    take_flashes,
)
from mocks.okta.runtime import Runtime
from mocks.okta.system_log import Entity

# Pages load nothing but the console's own stylesheet and script, are never framed, and post
# forms only to the console.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

# The left menu: (section, [(label, route name)]). Labels are the setup guide's words.
MENU: list[tuple[str, list[tuple[str, str]]]] = [
    ("Directory", [("People", "people")]),
    ("Security", [("Authenticators", "authenticators")]),
    ("Workflow", [("Inline Hooks", "hooks"), ("Event Hooks", "event_hooks")]),
    ("Reports", [("System Log", "system_log")]),
]


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


def shown_time(epoch_or_iso: Any) -> str:
    """``2026-12-02 06:40:01 UTC`` from an epoch or Okta's ISO string."""
    text = iso(epoch_or_iso) if isinstance(epoch_or_iso, int | float) else str(epoch_or_iso)
    return text.replace("T", " ").split(".", 1)[0] + " UTC"


_BREAK_AFTER = re.compile(r"([._@])")


def breakable(value: Any) -> Markup:
    """Escaped text with a line-break chance after each ``.``, ``_`` and ``@``: a long event
    type or login wraps there (never mid-word), so a table keeps its last column in view."""
    return Markup(_BREAK_AFTER.sub(r"\1<wbr>", str(escape(value))))


@jinja2.pass_context
def path_for(context: Any, name: str, /, **params: Any) -> str:
    """Links as paths (``/admin/…``), whatever host name the browser used."""
    request: Request = context["request"]
    return console_path(request, name, **params)


@cache
def templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mocks.okta.console", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["url_for"] = path_for
    env.filters["pretty_json"] = pretty_json
    env.filters["shown_time"] = shown_time
    env.filters["breakable"] = breakable
    return Jinja2Templates(env=env)


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.okta
    return rt


def page(
    request: Request, template: str, *, section: str = "", status: int = 200, **context: Any
) -> HTMLResponse:
    """A console page in the shared layout; ``section`` is the menu entry to highlight."""
    base: dict[str, Any] = {
        "admin": signed_in_user(request),
        "menu": MENU,
        "section": section,
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token(request),
        "flashes": take_flashes(request),
        "org_name": request.app.state.org_name,
    }
    base.update(context)
    response: HTMLResponse = templates().TemplateResponse(
        request, template, base, status_code=status, headers=SECURITY_HEADERS
    )
    return response


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "127.0.0.1"


def org_url(request: Request) -> str:
    """The org's own URL (the console's, without ``/admin``)."""
    return f"{request.url.scheme}://{request.url.netloc}"


def admin_actor(request: Request) -> Entity:
    """The signed-in admin, as the actor of the System Log events the console causes."""
    return Entity(ADMIN.id, "User", signed_in_user(request) or ADMIN.alternate_id, None)
