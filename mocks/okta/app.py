"""``create_app``: the mock Okta org as a Starlette app."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import aiohttp
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount

from mocks.common.http import exception_handlers
from mocks.okta import (
    defaults,
    routes_authenticators,
    routes_event_hooks,
    routes_hook_keys,
    routes_hooks,
    routes_logs,
    routes_mock,
    routes_oauth,
    routes_users,
)
from mocks.okta.api_headers import OktaApiHeaders
from mocks.okta.backend import OktaBackend
from mocks.okta.console.app import DEFAULT_PASSWORD, DEFAULT_USER, MOUNT_PATH, create_console
from mocks.okta.event_dispatch import EventDispatcher, RememberBaseUrl
from mocks.okta.hook_caller import ssl_context
from mocks.okta.runtime import Runtime
from mocks.okta.signin import routes as signin_routes
from mocks.okta.signin.sessions import SessionStore
from mocks.okta.times import Clock, system_clock
from mocks.okta.web import ERRORS


def create_app(
    backend: OktaBackend | None = None,
    *,
    api_token: str,
    ca_file: str | None = None,
    allow_http: bool = False,
    challenge_interval_s: float = defaults.CHALLENGE_INTERVAL_S,
    max_hooks_in_flight: int = defaults.MAX_HOOKS_IN_FLIGHT,
    fallback_limit: int = defaults.FALLBACK_LIMIT,
    fallback_window_s: float = defaults.FALLBACK_WINDOW_S,
    otp_ttl_s: float = defaults.OTP_TTL_S,
    hook_timeout_s: float = defaults.HOOK_TIMEOUT_S,
    event_hook_timeout_s: float = defaults.EVENT_HOOK_TIMEOUT_S,
    org_url: str | None = None,
    enforce_rate_limits: bool = False,
    clock: Clock = system_clock,
    console_user: str = DEFAULT_USER,
    console_password: str = DEFAULT_PASSWORD,
    console_secret_key: str | None = None,
) -> Starlette:
    """The mock org. Pass ``backend`` to share or inspect state (its own settings then apply and
        the limit arguments here are ignored); ``org_url`` fixes the domain put in ``source`` and
        links (default: the URL the request came in on). Every ``/api/v1`` answer carries Okta's
        ``X-Rate-Limit-*`` and ``X-Okta-Request-Id``; ``enforce_rate_limits`` answers 429 past a
        bucket's per-minute limit, as Okta does. Event hooks get ``event_hook_timeout_s`` (3 s, as
    Okta) per call, verification and delivery alike. The Admin Console at ``/admin`` signs in
        ``console_user`` with ``console_password``; ``console_secret_key`` signs its session cookie
        (default: random per process)."""
    if not api_token:
        raise ValueError("an API token is required")
    if backend is None:
        backend = OktaBackend(
            clock=clock,
            allow_http=allow_http,
            challenge_interval_s=challenge_interval_s,
            max_hooks_in_flight=max_hooks_in_flight,
            fallback_limit=fallback_limit,
            fallback_window_s=fallback_window_s,
            otp_ttl_s=otp_ttl_s,
        )
    runtime = Runtime(
        backend=backend,
        api_token=api_token,
        tls=ssl_context(ca_file),
        hook_timeout_s=hook_timeout_s,
        org_url=org_url.rstrip("/") if org_url else None,
        event_hook_timeout_s=event_hook_timeout_s,
    )
    # Every System Log event goes past the event hooks (a backend shared by two apps delivers
    # through the last one made).
    runtime.dispatcher = EventDispatcher(runtime)
    backend.log.listener = runtime.dispatcher.on_event

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # One session for every hook call; its pool must not be the bottleneck of the org's
        # in-flight limit.
        connector = aiohttp.TCPConnector(limit=max(100, backend.in_flight.limit + 10))
        async with aiohttp.ClientSession(connector=connector) as session:
            runtime.session = session
            try:
                yield
            finally:
                if runtime.dispatcher is not None:
                    await runtime.dispatcher.close()
                runtime.session = None

    app = Starlette(
        routes=[
            *routes_hooks.ROUTES,
            *routes_event_hooks.ROUTES,
            *routes_hook_keys.ROUTES,
            *routes_oauth.ROUTES,
            *routes_users.ROUTES,
            *routes_logs.ROUTES,
            *routes_authenticators.ROUTES,
            *routes_mock.ROUTES,
            *signin_routes.ROUTES,
            Mount(
                MOUNT_PATH,
                create_console(
                    runtime,
                    user=console_user,
                    password=console_password,
                    secret_key=console_secret_key,
                ),
            ),
        ],
        middleware=[
            Middleware(RememberBaseUrl),
            Middleware(OktaApiHeaders, limits=backend.api_limits, enforce=enforce_rate_limits),
        ],
        exception_handlers=exception_handlers(ERRORS),
        lifespan=lifespan,
    )
    app.state.okta = runtime
    app.state.signin = SessionStore(backend.clock)
    return app
