"""The mock EZITXT app: ``create_app`` wires backend, routes, faults and the life cycle.

Nothing happens at import time. The lifespan opens the SQLite store (resuming messages that were
on their way), one pooled aiohttp session for status callbacks, the callback workers and the
life-cycle runner, and closes them all in reverse order.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiohttp
from starlette.applications import Starlette
from starlette.types import ASGIApp

from mocks.common.http import exception_handlers
from mocks.ezitxt import routes_admin, routes_gateway, routes_mock, routes_reports
from mocks.ezitxt.backend import DEFAULT_DB, DEFAULT_HOOK_URL, EzitxtBackend
from mocks.ezitxt.callbacks import CallbackDispatcher
from mocks.ezitxt.fault_layer import FaultLayer
from mocks.ezitxt.lifecycle import Timings
from mocks.ezitxt.portal import routes as portal_routes
from mocks.ezitxt.portal.console import DEFAULT_CONSOLE_PASSWORD, DEFAULT_CONSOLE_USER, Console
from mocks.ezitxt.runner import run_lifecycle
from mocks.ezitxt.web import ERRORS

CALLBACK_TIMEOUT = aiohttp.ClientTimeout(total=5.0, connect=2.0)
CALLBACK_CONNECTIONS = 100


class MockEzitxt(Starlette):
    """Starlette with the fault layer outside everything, so it gets the server's own ``send``."""

    fault_layer: FaultLayer

    def build_middleware_stack(self) -> ASGIApp:
        backend: EzitxtBackend = self.state.backend
        self.fault_layer = FaultLayer(super().build_middleware_stack(), backend.faults)
        return self.fault_layer


def create_app(
    backend: EzitxtBackend | None = None,
    *,
    db_path: str = DEFAULT_DB,
    hook_url: str = DEFAULT_HOOK_URL,
    timings: Timings | None = None,
    console_user: str = DEFAULT_CONSOLE_USER,
    console_password: str = DEFAULT_CONSOLE_PASSWORD,
    console_content: bool = True,
) -> Starlette:
    """The ASGI app; pass a ``backend`` to share it with the caller, else one is built.
    ``console_user``/``console_password`` are the portal's demo account; ``console_content``
    whether it is permitted to read message content in the Mobile Report."""
    backend = backend or EzitxtBackend(db_path=db_path, hook_url=hook_url, timings=timings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        backend.open()
        session = aiohttp.ClientSession(
            timeout=CALLBACK_TIMEOUT,
            connector=aiohttp.TCPConnector(limit=CALLBACK_CONNECTIONS),
        )
        dispatcher = CallbackDispatcher(session, backoff_s=backend.timings.callback_backoff_s)
        app.state.dispatcher = dispatcher
        await dispatcher.start()
        runner = asyncio.create_task(run_lifecycle(backend, dispatcher), name="ezitxt-lifecycle")
        try:
            yield
        finally:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
            await dispatcher.stop()
            await session.close()
            backend.close()

    app = MockEzitxt(
        routes=[
            *routes_gateway.ROUTES,
            *routes_admin.ROUTES,
            *routes_reports.ROUTES,
            *routes_mock.ROUTES,
            *portal_routes.ROUTES,
        ],
        exception_handlers=exception_handlers(ERRORS),
        lifespan=lifespan,
    )
    app.state.backend = backend
    app.state.console = Console(console_user, console_password, content_allowed=console_content)
    return app
