"""A refusal: the hook answers without sending, for one of the reasons below.

Each reason is a row of DESIGN.md's outcome table, answered by ``connector.outcomes``; reasons
are fixed tokens, safe to log, and double as the log line's ``outcome``.
"""

from __future__ import annotations

from dataclasses import dataclass

from connector.answers import ErrorCause

# The caller: 401, the gateway is never called.
MISSING_CREDENTIAL = "missing_credential"
MALFORMED_CREDENTIAL = "malformed_credential"
AMBIGUOUS_CREDENTIAL = "ambiguous_credential"  # the auth field came more than once
UNKNOWN_SECRET = "unknown_secret"  # static mode: none of the connector's own secrets
TOKEN_MISSING = "token_missing"  # oauth mode alone: no Bearer token
# A refused bearer token (connector.oauth, in the order it checks): 401 alike.
TOKEN_MALFORMED = "token_malformed"
TOKEN_ALGORITHM = "token_algorithm"
TOKEN_KEY_UNKNOWN = "token_key_unknown"
TOKEN_SIGNATURE = "token_signature"
TOKEN_EXPIRED = "token_expired"
TOKEN_NOT_YET_VALID = "token_not_yet_valid"
TOKEN_ISSUED_IN_FUTURE = "token_issued_in_future"
TOKEN_ISSUER = "token_issuer"
TOKEN_AUDIENCE = "token_audience"
TOKEN_SCOPE = "token_scope"
TOKEN_CLIENT = "token_client"
JWKS_UNAVAILABLE = "jwks_unavailable"
TOKEN_REASONS = (
    TOKEN_MALFORMED,
    TOKEN_ALGORITHM,
    TOKEN_KEY_UNKNOWN,
    TOKEN_SIGNATURE,
    TOKEN_EXPIRED,
    TOKEN_NOT_YET_VALID,
    TOKEN_ISSUED_IN_FUTURE,
    TOKEN_ISSUER,
    TOKEN_AUDIENCE,
    TOKEN_SCOPE,
    TOKEN_CLIENT,
    JWKS_UNAVAILABLE,
)
# The body: 400 / 408 / 413, naming the fields.
BAD_JSON = "bad_json"
SCHEMA_INVALID = "schema_invalid"
TOO_LARGE = "too_large"
BODY_TIMEOUT = "body_timeout"
# What the end user can act on: 200 with an error object, Okta falls back.
VOICE_NOT_OFFERED = "voice_not_offered"
UNUSABLE_NUMBER = "unusable_number"
BLOCKED_BY_POLICY = "blocked_by_policy"  # the destination's country is not allowed
# The toll-fraud policy (DESIGN.md decision 12), 200 with an error object alike: nothing sent.
NUMBER_TYPE_REFUSED = "number_type_refused"  # premium-rate, toll-free, fixed line, ...
RATE_LIMITED_NUMBER = "rate_limited_number"
RATE_LIMITED_PREFIX = "rate_limited_prefix"
RATE_LIMITED_APPLICATION = "rate_limited_application"
RATE_LIMITED_USER = "rate_limited_user"
PREFIX_BLOCKED = "prefix_blocked"  # low conversion: codes to this prefix are never entered
RATE_LIMITS = (
    RATE_LIMITED_NUMBER,
    RATE_LIMITED_PREFIX,
    RATE_LIMITED_APPLICATION,
    RATE_LIMITED_USER,
)
# Okta's event hook, /okta/events (connector.events_endpoint): admins only, Okta-shaped.
EVENTS_UNAUTHORIZED = "events_unauthorized"  # no, several or a wrong header secret
EVENTS_AUTH_UNAVAILABLE = "events_auth_unavailable"  # the gateway could not judge an app secret
EVENTS_NO_CHALLENGE = "events_no_challenge"  # a GET without a usable verification challenge
EVENTS_BAD_JSON = "events_bad_json"
EVENTS_SCHEMA_INVALID = "events_schema_invalid"
EVENTS_STATE_UNAVAILABLE = "events_state_unavailable"  # not counted: 503, Okta retries once
# Not the hook at all: Okta-shaped 404 / 405.
NOT_FOUND = "http_404"
METHOD_NOT_ALLOWED = "http_405"


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: str
    causes: tuple[ErrorCause, ...] = ()  # schema failures, each naming its field
    detail: str | None = None  # a fixed token for the log, e.g. why a number is unusable
    country: str | None = None  # the destination's region, when the number was read
    prefix: str | None = None  # the destination's prefix (connector.phone.number_prefix)
    location: str | None = None  # where the answer points, when not the table's own
