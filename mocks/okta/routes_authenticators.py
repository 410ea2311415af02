"""``GET /api/v1/authenticators``: Security > Authenticators as the management API lists it, the
Phone authenticator (``key: phone_number``) carrying this mock's ``settings.smsUses`` extension:
which uses (sign-in, enrolment, recovery) may send SMS (mocks/okta/authenticators.py). Real Okta
keeps those per-use switches in its policies; ``doctor`` skips the check where they are absent.
``POST /_mock/authenticators/phone`` switches them for tests, as the console's form does."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mocks.okta.authenticators import USES
from mocks.okta.errors import ValidationFailed
from mocks.okta.web import base_url, json_body, ok, okta_api, runtime

PHONE_ID = "aut0phone00000000000"


def render_phone(settings: dict[str, bool], base: str) -> dict[str, Any]:
    return {
        "id": PHONE_ID,
        "key": "phone_number",
        "type": "phone",
        "status": "ACTIVE",
        "name": "Phone",
        "settings": {"smsUses": settings},
        "_links": {"self": {"href": f"{base}/api/v1/authenticators/{PHONE_ID}"}},
    }


@okta_api
async def list_authenticators(request: Request) -> Response:
    phone = runtime(request).backend.phone
    return ok([render_phone(phone.settings(), base_url(request))])


async def set_phone_sms(request: Request) -> Response:
    body = await json_body(request)
    sms = body.get("sms") if isinstance(body, dict) else None
    if not isinstance(sms, dict) or not all(
        u in USES and isinstance(v, bool) for u, v in sms.items()
    ):
        raise ValidationFailed("sms", [f"sms: an object of {', '.join(USES)} to true or false"])
    phone = runtime(request).backend.phone
    for use, enabled in sms.items():
        phone.set_sms(use, enabled)
    return ok(render_phone(phone.settings(), base_url(request)))


ROUTES = [
    Route("/api/v1/authenticators", list_authenticators, methods=["GET"]),
    Route("/_mock/authenticators/phone", set_phone_sms, methods=["POST"]),
]
