"""The admin's session: a cookie signed with itsdangerous, the sign-in check, CSRF tokens and
one-shot flash messages.

The session lives under its own scope key (not Starlette's ``SessionMiddleware``'s
``scope["session"]``), so a session middleware elsewhere in the app (the end-user sign-in) can
never read or overwrite it.
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any
from urllib.parse import parse_qsl, quote

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import FormData, MutableHeaders, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "mock_okta_admin"
SCOPE_KEY = "okta_admin_session"
MAX_AGE_S = 8 * 3600
CSRF_FIELD = "csrf_token"
MAX_FORM_FIELDS = 200
MAX_FORM_BYTES = 256 * 1024

Handler = Callable[[Request], Awaitable[Response]]


class AdminSessionMiddleware:
    """Loads the signed cookie into ``scope[SCOPE_KEY]`` and writes it back when it changed."""

    def __init__(self, app: ASGIApp, *, secret_key: str, path: str = "/admin") -> None:
        self.app = app
        self.path = path
        self.signer = URLSafeTimedSerializer(secret_key, salt="mock-okta-admin-session")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = HTTPConnection(scope).cookies.get(COOKIE)
        data: dict[str, Any] = {}
        if raw:
            try:
                loaded = self.signer.loads(raw, max_age=MAX_AGE_S)
                data = loaded if isinstance(loaded, dict) else {}
            except BadSignature:
                data = {}
        before = json.dumps(data, sort_keys=True)
        scope[SCOPE_KEY] = data

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                now = scope[SCOPE_KEY]
                if json.dumps(now, sort_keys=True) != before or (raw and not now):
                    headers = MutableHeaders(scope=message)
                    if now:
                        value = self.signer.dumps(now)
                        headers.append(
                            "Set-Cookie",
                            f"{COOKIE}={value}; Path={self.path}; Max-Age={MAX_AGE_S}; "
                            "HttpOnly; SameSite=Lax",
                        )
                    else:
                        headers.append(
                            "Set-Cookie",
                            f"{COOKIE}=; Path={self.path}; Max-Age=0; HttpOnly; SameSite=Lax",
                        )
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def session(request: Request) -> dict[str, Any]:
    data: dict[str, Any] = request.scope[SCOPE_KEY]
    return data


def signed_in_user(request: Request) -> str | None:
    user = session(request).get("user")
    return user if isinstance(user, str) else None


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use (the sign-in form gets one too)."""
    data = session(request)
    token = data.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        data["csrf"] = token
    return token


async def read_form(request: Request) -> FormData:
    """An ``application/x-www-form-urlencoded`` body (the only kind the console's forms send),
    read up to ``MAX_FORM_BYTES`` and ``MAX_FORM_FIELDS``: a hostile client gets 413 or 400,
    never an unbounded read."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise HTTPException(400, "The console accepts only its own forms.")
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > MAX_FORM_BYTES:
            raise HTTPException(413, "The form is too large.")
    try:
        text = bytes(received).decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except (UnicodeDecodeError, ValueError) as exc:
        raise HTTPException(400, "The form could not be read.") from exc
    fields: list[tuple[str, str | UploadFile]] = list(pairs)
    return FormData(fields)


async def checked_form(request: Request) -> FormData:
    """The posted form, refused with 403 unless it carries the session's CSRF token."""
    form = await read_form(request)
    sent = form.get(CSRF_FIELD)
    expected = session(request).get("csrf")
    if (
        not isinstance(sent, str)
        or not isinstance(expected, str)
        or not hmac.compare_digest(sent.encode(), expected.encode())
    ):
        raise HTTPException(403, "The form was not sent from this console, or the session ended.")
    return form


def flash(request: Request, kind: str, text: str) -> None:
    """A message for the next page shown (``kind`` is ``success`` or ``error``)."""
    session(request).setdefault("flash", []).append([kind, text])


def take_flashes(request: Request) -> list[tuple[str, str]]:
    messages = session(request).pop("flash", [])
    return [(str(k), str(t)) for k, t in messages]


def admin_page(handler: Handler) -> Handler:
    """Signed-in admins only; anyone else goes to the sign-in page and comes back after."""

    @wraps(handler)
    async def checked(request: Request) -> Response:
        if signed_in_user(request) is None:
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"{signin_path(request)}?next={quote(here)}", status_code=303)
        return await handler(request)

    return checked


def console_path(request: Request, name: str, /, **params: Any) -> str:
    """The path of one of the console's own routes. Resolved in the console's router, not the
    whole app's: the end-user sign-in has routes named ``signin`` and ``signout`` too."""
    relative = request.app.router.url_path_for(name, **params)
    return str(request.scope.get("root_path", "")) + str(relative)


def signin_path(request: Request) -> str:
    return console_path(request, "signin")
