"""The mock org's defaults, in one place: Okta's documented limits (CONTRACT.md §3).

The backend, ``create_app``, the ``mock-okta`` command and the stack all take these.
"""

from __future__ import annotations

# "One SMS/voice challenge per phone number per 30 s" (Okta's rate-limit pages until 2025-12).
CHALLENGE_INTERVAL_S = 30.0
# Inline hook calls in flight per org: 75 by default (older pages: 35 for free orgs).
MAX_HOOKS_IN_FLIGHT = 75
# Okta's own fallback provider is "heavily rate-limited"; the figure is the mock's.
FALLBACK_LIMIT = 10
FALLBACK_WINDOW_S = 60.0
# otpExpires is about 5 minutes after eventTime (CONTRACT.md §1).
OTP_TTL_S = 300.0
# Okta waits 3 s for a telephony hook and does not retry.
HOOK_TIMEOUT_S = 3.0
# Okta waits 3 s for an event hook (verification and delivery) and retries once.
EVENT_HOOK_TIMEOUT_S = 3.0
