"""Okta's API errors, by their error codes (https://developer.okta.com/docs/reference/error-codes/).

Tree::

    OktaError                     any error the emulated API answers with
    ├── ValidationFailed          400 E0000001 "Api validation failed: …" with errorCauses
    ├── MalformedBody             400 E0000003 "The request body was not well-formed."
    │   └── PayloadTooLarge       413          a body over the mock's size cap
    ├── InvalidSearch             400 E0000031 "Invalid search criteria."
    ├── InvalidToken              401 E0000011 "Invalid token provided"
    ├── AccessDenied              403 E0000006 "You do not have permission to perform …"
    ├── NotFound                  404 E0000007 "Not found: Resource not found: … (…)"
    ├── MethodNotAllowed          405 E0000022
    ├── RateLimited               429 E0000047
    └── InternalError             500 E0000009 "Internal Server Error" (a bug in the mock)

Routes raise them; the handlers of ``mocks.common.http`` (shape in ``web.ERRORS``) turn them,
Starlette's own 404/405 and any bug into Okta's error body.
"""

from __future__ import annotations

from typing import Any

from mocks.okta import ids


class OktaError(Exception):
    """An error answered with Okta's body ``{errorCode, errorSummary, errorLink, errorId,
    errorCauses}``."""

    status = 500
    code = "E0000009"

    def __init__(self, summary: str, causes: list[str] | None = None) -> None:
        super().__init__(summary)
        self.summary = summary
        self.causes = list(causes or [])

    def body(self) -> dict[str, Any]:
        """Okta's error body; ``errorLink`` repeats the code, as Okta's does."""
        return {
            "errorCode": self.code,
            "errorSummary": self.summary,
            "errorLink": self.code,
            "errorId": ids.error_id(),
            "errorCauses": [{"errorSummary": cause} for cause in self.causes],
        }

    def headers(self) -> dict[str, str]:
        return {}


class ValidationFailed(OktaError):
    status = 400
    code = "E0000001"

    def __init__(self, subject: str, causes: list[str]) -> None:
        super().__init__(f"Api validation failed: {subject}", causes)


class MalformedBody(OktaError):
    status = 400
    code = "E0000003"

    def __init__(self) -> None:
        super().__init__("The request body was not well-formed.")


class PayloadTooLarge(MalformedBody):
    """Okta publishes no size limit for management calls; the cap and the 413 are the mock's."""

    status = 413

    def __init__(self) -> None:
        OktaError.__init__(self, "The request body was too large.")


class InvalidSearch(OktaError):
    """A ``filter`` or ``search`` expression Okta does not take."""

    status = 400
    code = "E0000031"

    def __init__(self) -> None:
        super().__init__("Invalid search criteria.")


class InvalidToken(OktaError):
    status = 401
    code = "E0000011"

    def __init__(self) -> None:
        super().__init__("Invalid token provided")


class AccessDenied(OktaError):
    status = 403
    code = "E0000006"

    def __init__(self, causes: list[str] | None = None) -> None:
        super().__init__("You do not have permission to perform the requested action", causes)


class NotFound(OktaError):
    status = 404
    code = "E0000007"

    def __init__(self, resource: str, kind: str) -> None:
        super().__init__(f"Not found: Resource not found: {resource} ({kind})")


class MethodNotAllowed(OktaError):
    status = 405
    code = "E0000022"

    def __init__(self) -> None:
        super().__init__("The endpoint does not support the provided HTTP method")


class RateLimited(OktaError):
    status = 429
    code = "E0000047"

    def __init__(self, reset_epoch_s: int, limit: int) -> None:
        super().__init__("API call exceeded rate limit due to too many requests.")
        self.reset_epoch_s = reset_epoch_s
        self.limit = limit

    def headers(self) -> dict[str, str]:
        # Okta's rate-limit headers (https://developer.okta.com/docs/reference/rl-best-practices/).
        return {
            "X-Rate-Limit-Limit": str(self.limit),
            "X-Rate-Limit-Remaining": "0",
            "X-Rate-Limit-Reset": str(self.reset_epoch_s),
        }


class InternalError(OktaError):
    status = 500
    code = "E0000009"

    def __init__(self) -> None:
        super().__init__("Internal Server Error")
