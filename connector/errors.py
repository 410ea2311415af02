"""The connector's exceptions, each mapped to one row of DESIGN.md's outcome table by
``connector.outcomes`` (by type, never by message)::

    HookError
    ├── RequestRefused          the request itself is unusable; nothing is sent
    │   ├── BodyTooLarge        → 413
    │   ├── CredentialError     → 401 (missing or malformed; the gateway is never called)
    │   └── UnusableNumber      → 200 error object (the end user can fix the number)
    └── GatewayError            the gateway call did not end in an accepted message
        ├── GatewayRejectedCredential   401/403 from the gateway → 401
        ├── GatewayRejectedMessage      400/422 on destination or content → 200 error object
        ├── GatewayUnavailable          500/503 (nothing sent), unreachable, TLS failure
        │                               (``gateway_tls_error``), no time left before sending → 503
        └── GatewayNoAnswer             sent, but no answer in time, the connection lost after
                                        sending, or a proxy's 502/504 → 200 PENDING

Every ``reason`` is a fixed token: safe to log, never a value from the request or the gateway.
"""

from __future__ import annotations


class HookError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RequestRefused(HookError):
    pass


class BodyTooLarge(RequestRefused):
    pass


class CredentialError(RequestRefused):
    """``missing_credential`` or ``malformed_credential``."""


class UnusableNumber(RequestRefused):
    """``empty_number``, ``unparseable_number`` or ``invalid_number``."""


class GatewayError(HookError):
    def __init__(self, reason: str, *, http_status: int | None = None) -> None:
        super().__init__(reason)
        self.http_status = http_status


class GatewayRejectedCredential(GatewayError):
    pass


class GatewayRejectedMessage(GatewayError):
    def __init__(self, reason: str, *, http_status: int, field: str) -> None:
        super().__init__(reason, http_status=http_status)
        self.field = field  # "destination", "content" or "" when the gateway did not say


class GatewayUnavailable(GatewayError):
    pass


class GatewayNoAnswer(GatewayError):
    pass
