"""Security > Authenticators: Phone (SMS) on or off per use, stored in the backend's
``PhoneAuthenticator`` and honoured by the flows (``mocks.okta.flows.run_flow``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mocks.okta.authenticators import USE_OF_REQUEST, USES
from mocks.okta.console.render import admin_actor, client_ip, page, runtime
from mocks.okta.console.session import admin_page, checked_form, console_path, flash

SECTION = "authenticators"


@admin_page
async def show(request: Request) -> Response:
    phone = runtime(request).backend.phone
    return page(
        request,
        "authenticators.html",
        section=SECTION,
        title="Authenticators",
        uses=USES,
        settings=phone.settings(),
        request_types={use: [t for t, u in USE_OF_REQUEST.items() if u == use] for use in USES},
    )


@admin_page
async def save(request: Request) -> Response:
    form = await checked_form(request)
    backend = runtime(request).backend
    before = backend.phone.settings()
    for use in USES:
        backend.phone.set_sms(use, form.get(f"sms_{use}") == "on")
    after = backend.phone.settings()
    if after != before:
        # Okta records authenticator changes in the System Log as a lifecycle update.
        backend.log.emit(
            "security.authenticator.lifecycle.update",
            "Update authenticator",
            actor=admin_actor(request),
            debug_data={
                "authenticator": "phone_number",
                **{f"sms.{use}": "on" if on else "off" for use, on in after.items()},
            },
            client_ip=client_ip(request),
        )
    flash(request, "success", "Phone authenticator saved.")
    return RedirectResponse(console_path(request, "authenticators"), status_code=303)


ROUTES = [
    Route("/security/authenticators", show, methods=["GET"], name="authenticators"),
    Route("/security/authenticators", save, methods=["POST"]),
]
