"""Integrations > API Configuration (CONTRACT.md §5): applications, passwords, callback URLs.

The portal's own API is not published; these paths and field names are this mock's, carrying
exactly the values the seed's setup steps read off the page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mocks.common.timestamps import iso
from mocks.ezitxt.applications import AUTH_FIELD
from mocks.ezitxt.models import Application
from mocks.ezitxt.web import backend_of, json_body


def render_application(app: Application, hook_url: str) -> dict[str, Any]:
    """The application page: everything but the secret, which is shown only once."""
    generated = app.password_generated_at
    return {
        "applicationName": app.name,
        "createdAt": iso(app.created_at),
        "authenticationDetails": {
            "username": app.name,
            "passwordGenerated": generated is not None,
            "passwordGeneratedAt": iso(generated) if generated is not None else None,
        },
        "oktaSetupValues": {"url": hook_url, "authenticationField": AUTH_FIELD},
        "callbackUrl": app.callback_url,
    }


async def list_applications(request: Request) -> Response:
    backend = backend_of(request)
    apps = [render_application(a, backend.hook_url) for a in backend.applications.all()]
    return JSONResponse({"applications": apps})


async def create_application(request: Request) -> Response:
    backend = backend_of(request)
    body = await json_body(request, "application-create")
    app = backend.applications.create(body["name"])
    return JSONResponse(
        render_application(app, backend.hook_url),
        status_code=201,
        headers={"location": f"/api/applications/{quote(app.name)}"},
    )


async def applications(request: Request) -> Response:
    if request.method == "POST":
        return await create_application(request)
    return await list_applications(request)


async def application(request: Request) -> Response:
    backend = backend_of(request)
    name = request.path_params["name"]
    if request.method == "PUT":
        body = await json_body(request, "application-update")
        app = backend.applications.set_callback_url(name, body["callbackUrl"])
    else:
        app = backend.applications.get(name)
    return JSONResponse(render_application(app, backend.hook_url))


async def generate_password(request: Request) -> Response:
    """Generate New Password: the password and the full setup values, shown this once."""
    backend = backend_of(request)
    new = await backend.applications.generate_password(request.path_params["name"])
    generated_at = new.application.password_generated_at
    assert generated_at is not None
    return JSONResponse(
        {
            "applicationName": new.application.name,
            "password": new.password,
            "generatedAt": iso(generated_at),
            "oktaSetupValues": new.setup_values(backend.hook_url),
        },
        headers={"cache-control": "no-store"},
    )


ROUTES = [
    Route("/api/applications", applications, methods=["GET", "POST"]),
    Route("/api/applications/{name}", application, methods=["GET", "PUT"]),
    Route("/api/applications/{name}/password", generate_password, methods=["POST"]),
]
