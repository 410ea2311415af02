"""The portal's routes, mounted beside the JSON APIs by ``mocks.ezitxt.app``."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from mocks.ezitxt.portal import views_auth, views_handsets, views_hook, views_report
from mocks.ezitxt.portal.web import HOME, STATIC_DIR

ROUTES: list[BaseRoute] = [
    Route("/", views_auth.sign_in, methods=["GET", "POST"]),
    Route("/signout", views_auth.sign_out, methods=["POST"]),
    Route(HOME, views_hook.okta_inline_hook, methods=["GET"]),
    Route(views_hook.APPLICATIONS, views_hook.create_application, methods=["POST"]),
    Route(views_hook.PASSWORD, views_hook.confirm_password, methods=["GET"]),
    Route(views_hook.PASSWORD, views_hook.generate_password, methods=["POST"]),
    Route("/reports/mobile", views_report.mobile_report, methods=["GET"]),
    Route("/reports/mobile/{id}", views_report.message_page, methods=["GET"]),
    Route("/handsets", views_handsets.handsets, methods=["GET"]),
    Mount("/static/portal", StaticFiles(directory=STATIC_DIR), name="portal-static"),
]
