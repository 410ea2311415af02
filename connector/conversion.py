"""Conversion feedback, the pure core: which Okta events say "the user entered the code", which
send they verify, and when a destination prefix is blocked for codes that are never entered.

Toll fraud ("SMS pumping") asks for codes to ranges of premium-earning numbers and never enters
one; real users enter nearly all of theirs. Okta tells us when they do, through an event hook
(CONTRACT.md §6): the hook records each send that may have gone, an event marks the user's
latest matching send verified, and per destination prefix and application the sends of a
sliding window are weighed against the verified ones. Nothing here does I/O or reads a clock:
the stores (``connector.conversion_store``, ``connector.redis_conversion``) keep the counts, and
``connector.feedback`` wires them to the hook and the events endpoint.

The events that verify (the integrator's event agreement; Okta's System Log catalogue):

- ``user.authentication.auth_via_mfa`` (an MFA challenge passed) and ``user.mfa.factor.activate``
  (a factor enrolled) verify the user's latest MFA or enrolment send, but only when the event
  says SMS: ``debugContext.debugData.factor`` (or ``factorType``) is SMS (``SMS_FACTOR`` in the
  mock; Okta's support article lists the value ``sms``), or a target is the Phone
  ``AuthenticatorEnrollment``. OIE logs ``factor.activate`` twice for one phone enrolment (SMS
  and voice): the voice one is not counted.
- ``user.account.unlock`` and ``user.account.reset_password`` verify the user's latest recovery
  send (unlock or password reset): Okta logs them only once the code was entered.

Only ``outcome.result`` SUCCESS counts. The user is the ``target`` of type User, else the actor
when it is a User.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

AUTH_VIA_MFA = "user.authentication.auth_via_mfa"
FACTOR_ACTIVATE = "user.mfa.factor.activate"
ACCOUNT_UNLOCK = "user.account.unlock"
RESET_PASSWORD = "user.account.reset_password"
VERIFYING_EVENTS = (AUTH_VIA_MFA, FACTOR_ACTIVATE, ACCOUNT_UNLOCK, RESET_PASSWORD)

# A send and the event that verifies it belong to one family of Okta flows.
MFA, RECOVERY = "mfa", "recovery"
FAMILY_OF_REQUEST = {
    "mfa-verification": MFA,
    "pre-enrollment": MFA,
    "account-unlock": RECOVERY,
    "password-reset": RECOVERY,
}
FAMILY_OF_EVENT = {
    AUTH_VIA_MFA: MFA,
    FACTOR_ACTIVATE: MFA,
    ACCOUNT_UNLOCK: RECOVERY,
    RESET_PASSWORD: RECOVERY,
}
_NEEDS_SMS = frozenset({AUTH_VIA_MFA, FACTOR_ACTIVATE})

# An event verifies a send made up to this long before it was published: Okta's codes live
# about 5 minutes (CONTRACT.md §1, otpExpires), and a password reset is logged only once the
# new password is set, minutes after the code. The margin after covers clocks that disagree.
MATCH_BEFORE_S = 1800.0
MATCH_AFTER_S = 60.0
# Sends of one user kept for matching: more codes than a person asks for in a window.
SENDS_PER_USER = 16
# Buckets of a window: the sliding window moves in steps of window / BUCKETS.
BUCKETS = 60

# Why an event verified nothing (fixed tokens: metric labels and log values).
IGNORED_TYPE = "ignored_type"  # not one of VERIFYING_EVENTS
NOT_SUCCESS = "not_success"
NOT_SMS = "not_sms"
NO_USER = "no_user"
BAD_TIME = "bad_time"
# What became of an event that could verify (the stores answer these).
VERIFIED = "verified"
DUPLICATE = "duplicate"  # its uuid came before (at-least-once delivery, two replicas)
UNMATCHED = "unmatched"  # no unverified send of that user and family in the time range


@dataclass(frozen=True, slots=True)
class SentCode:
    """A send that may have gone (SUCCESSFUL or PENDING): what conversion keeps of it."""

    application: str
    user_id: str
    prefix: str  # connector.phone.number_prefix: safe to log and keep
    family: str
    at: float  # Unix time


@dataclass(frozen=True, slots=True)
class Verification:
    """An event that says the user entered a code of ``family`` at ``at``."""

    uuid: str
    event_type: str
    user_id: str
    family: str
    at: float


@dataclass(frozen=True, slots=True)
class Ignored:
    uuid: str
    event_type: str  # one of VERIFYING_EVENTS, or "other": never a free-form label
    reason: str


def event_label(event_type: object) -> str:
    return event_type if event_type in FAMILY_OF_EVENT else "other"


def read_event(event: Mapping[str, Any]) -> Verification | Ignored:
    """One LogEvent of a delivery (already schema-checked: uuid, eventType, published are
    strings); tolerant of every other shape Okta may send."""
    uuid, event_type = event["uuid"], event["eventType"]
    label = event_label(event_type)
    family = FAMILY_OF_EVENT.get(event_type)
    if family is None:
        return Ignored(uuid, label, IGNORED_TYPE)
    if _get(event, "outcome", "result") != "SUCCESS":
        return Ignored(uuid, label, NOT_SUCCESS)
    if event_type in _NEEDS_SMS and not _says_sms(event):
        return Ignored(uuid, label, NOT_SMS)
    user_id = _user_of(event)
    if user_id is None:
        return Ignored(uuid, label, NO_USER)
    at = parse_time(event["published"])
    if at is None:
        return Ignored(uuid, label, BAD_TIME)
    return Verification(uuid, event_type, user_id, family, at)


def _get(document: Any, *path: str) -> Any:
    for step in path:
        if not isinstance(document, Mapping):
            return None
        document = document.get(step)
    return document


def _says_sms(event: Mapping[str, Any]) -> bool:
    debug = _get(event, "debugContext", "debugData")
    if isinstance(debug, Mapping):
        for key in ("factor", "factorType"):
            value = debug.get(key)
            if isinstance(value, str) and value.strip().lower() in ("sms", "sms_factor"):
                return True
    for target in _targets(event):
        if target.get("type") == "AuthenticatorEnrollment" and target.get("displayName") == "Phone":
            return True
    return False


def _targets(event: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    targets = event.get("target")
    if not isinstance(targets, list):
        return []
    return [t for t in targets if isinstance(t, Mapping)]


def _user_of(event: Mapping[str, Any]) -> str | None:
    for target in _targets(event):
        if target.get("type") == "User" and _is_id(target.get("id")):
            return str(target["id"])
    actor = event.get("actor")
    if isinstance(actor, Mapping) and actor.get("type") == "User" and _is_id(actor.get("id")):
        return str(actor["id"])
    return None


def _is_id(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 64 and value.isprintable()


def parse_time(text: str) -> float | None:
    """ISO-8601 (``2026-06-01T10:00:00.123Z``) as Unix time; None if it is not one."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00", 1))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.timestamp()


@dataclass(frozen=True, slots=True)
class ConversionRules:
    """When a prefix is blocked (EZITXT_HOOK_CONVERSION_*, connector.conversion_settings)."""

    window_s: float = 3600.0
    min_sends: int = 20
    threshold: float = 0.2
    grace_s: float = 0.0
    block_s: float = 900.0
    max_block_s: float = 86_400.0
    allow: tuple[str, ...] = ()

    @property
    def bucket_s(self) -> float:
        return self.window_s / BUCKETS

    def bucket(self, at: float) -> int:
        return int(at * BUCKETS / self.window_s)


@dataclass(frozen=True, slots=True)
class Counts:
    sent: int
    verified: int

    @property
    def rate(self) -> float:
        return self.verified / self.sent if self.sent else 1.0


@dataclass(slots=True)  # not frozen: made once a send, and frozen slots cost ~2 µs to build
class PrefixWindow:
    """One prefix of one application, as a store read it after recording a send: sent and
    verified sends per bucket (a send's bucket is its own time, so a late verification lands
    where its send is), the start of the count (the last block's), whether the application's
    feedback channel is alive, and whether a block is already in place."""

    sent: Mapping[int, int]
    verified: Mapping[int, int]
    since: float = 0.0
    channel_alive: bool = False
    blocked: bool = False


def counted(window: PrefixWindow, now: float, rules: ConversionRules) -> Counts:
    """Sends in the window since the last block, verified ones among them. An unverified send
    younger than ``grace_s`` is not counted yet; a verified one always is."""
    first = rules.bucket(now - rules.window_s)
    if window.since:
        # The bucket of the last block's start held the sends that condemned it: not again.
        first = max(first, rules.bucket(window.since) + 1)
    settled_before = rules.bucket(now - rules.grace_s) if rules.grace_s else None
    sent = verified = 0
    for bucket, count in window.sent.items():
        if bucket < first:
            continue
        done = min(window.verified.get(bucket, 0), count)
        verified += done
        if settled_before is not None and bucket >= settled_before:
            sent += done  # too young to count against the prefix, unless verified
        else:
            sent += count
    return Counts(sent, verified)


def allow_listed(text: str, allow: tuple[str, ...]) -> bool:
    """Whether ``text`` (a prefix, or a whole E.164 number) falls under an allow-list entry."""
    return any(text.startswith(entry) for entry in allow)


def should_block(
    window: PrefixWindow, prefix: str, now: float, rules: ConversionRules
) -> Counts | None:
    """The counts that condemn the prefix, or None. Never when the application's feedback
    channel is silent (conversion unknown, not zero), already blocked, or allow-listed."""
    if window.blocked or not window.channel_alive or allow_listed(prefix, rules.allow):
        return None
    counts = counted(window, now, rules)
    if counts.sent >= rules.min_sends and counts.verified < rules.threshold * counts.sent:
        return counts
    return None


def block_duration(level: int, rules: ConversionRules) -> float:
    """The ``level``-th block in a row of one prefix: ``block_s`` doubling up to the longest."""
    doublings = min(max(level, 1) - 1, 32)
    return float(min(rules.block_s * 2.0**doublings, rules.max_block_s))


@dataclass(frozen=True, slots=True)
class PrefixBlock:
    """A block in place, as the orchestrator read it before deciding."""

    prefix: str
    until: float  # Unix time
    level: int


@dataclass(frozen=True, slots=True)
class BlockStarted:
    """A block a store started (for the log line and the metrics)."""

    application: str
    prefix: str
    level: int
    duration_s: float
    counts: Counts
