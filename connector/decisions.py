"""What the hook does with a well-formed request: refuse it, or send one SMS. Pure.

``decide(request, policy)`` reads the channel and the number, then asks each rule of the policy
in turn; the first refusal wins. A rule sees the request and its destination and answers
``None`` (no objection) or a ``Refusal``: the stateless fraud controls of DESIGN.md decision
12, ``AllowedCountries`` and ``NumberTypes``. The controls that need state are judged as purely
(``connector.velocity.judge``: counts in, a refusal or none out) but counted by a store, after
the replay store's claim, so that a replay is never counted twice (``connector.hook``). A
prefix blocked for low conversion (``connector.conversion``) is read by the orchestrator
beforehand and handed in as a value (``block``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Protocol

import phonenumbers

from connector.conversion import PrefixBlock, allow_listed
from connector.errors import UnusableNumber
from connector.gateway import OutboundSms
from connector.phone import Destination, normalise, number_prefix
from connector.refusals import (
    BLOCKED_BY_POLICY,
    NUMBER_TYPE_REFUSED,
    PREFIX_BLOCKED,
    UNUSABLE_NUMBER,
    VOICE_NOT_OFFERED,
    Refusal,
)
from connector.request import HookRequest
from connector.settings import Settings

# Okta's spellings of a voice call (CONTRACT.md §1), lower-cased; EZITXT sends SMS only.
VOICE_CHANNELS = frozenset({"voice", "voice call", "call"})


class Send(NamedTuple):
    # A NamedTuple, not a frozen dataclass: one is made every call (figure: connector.hook).
    sms: OutboundSms
    country: str  # ISO 3166 region of the destination
    prefix: str  # the destination's prefix (connector.phone.number_prefix): safe to log


class Rule(Protocol):
    def __call__(self, request: HookRequest, destination: Destination) -> Refusal | None: ...


@dataclass(frozen=True, slots=True)
class AllowedCountries:
    """SMS go only to these regions (empty: anywhere)."""

    regions: frozenset[str]

    def __call__(self, request: HookRequest, destination: Destination) -> Refusal | None:
        if self.regions and destination.region not in self.regions:
            return Refusal(BLOCKED_BY_POLICY, country=destination.region)
        return None


# phonenumbers.PhoneNumberType's values → the tokens logged for a refused type.
TYPE_TOKENS = {
    value: name.lower()
    for name, value in vars(phonenumbers.PhoneNumberType).items()
    if name.isupper() and isinstance(value, int)
}


@dataclass(frozen=True, slots=True)
class NumberTypes:
    """No SMS to these number types (phonenumbers.PhoneNumberType): premium-rate, toll-free,
    fixed lines, ... (Settings.refused_number_types). A toll-fraud pump is paid per message
    terminated on a number it controls; no code is ever read on a fixed line or a pager."""

    refused: frozenset[int]

    def __call__(self, request: HookRequest, destination: Destination) -> Refusal | None:
        if destination.number_type in self.refused:
            token = TYPE_TOKENS.get(destination.number_type, "unknown")
            return Refusal(NUMBER_TYPE_REFUSED, detail=token, country=destination.region)
        return None


def refuse_blocked_prefix(
    destination: Destination, block: PrefixBlock | None, allow: tuple[str, ...]
) -> Refusal | None:
    """A prefix blocked for low conversion (``connector.conversion``; the block was read by
    the orchestrator): refused, nothing sent, unless the number is allow-listed (the admin's
    override of a block already in place)."""
    if block is None or allow_listed(destination.e164, allow):
        return None
    return Refusal(PREFIX_BLOCKED, country=destination.region, prefix=block.prefix)


@dataclass(frozen=True, slots=True)
class Policy:
    default_region: str = "NZ"  # numbers without a country code are read in this region
    rules: tuple[Rule, ...] = ()
    prefix_digits: int = 5  # national digits of a number's prefix (Settings.prefix_digits)
    conversion_allow: tuple[str, ...] = ()  # EZITXT_HOOK_CONVERSION_ALLOW_PREFIXES

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        rules: list[Rule] = []
        if settings.allowed_region_set:
            rules.append(AllowedCountries(settings.allowed_region_set))
        if settings.refused_type_set:
            rules.append(NumberTypes(settings.refused_type_set))
        return cls(
            default_region=settings.default_region,
            rules=tuple(rules),
            prefix_digits=settings.prefix_digits,
            conversion_allow=settings.conversion_rules.allow,
        )


def decide(
    request: HookRequest, policy: Policy, *, block: PrefixBlock | None = None
) -> Refusal | Send:
    if request.channel in VOICE_CHANNELS:
        return Refusal(VOICE_NOT_OFFERED)
    try:
        destination = normalise(request.phone_number, policy.default_region)
    except UnusableNumber as exc:
        return Refusal(UNUSABLE_NUMBER, detail=exc.reason)
    for rule in policy.rules:
        refusal = rule(request, destination)
        if refusal is not None:
            return refusal
    refusal = refuse_blocked_prefix(destination, block, policy.conversion_allow)
    if refusal is not None:
        return refusal
    sms = tuple.__new__(OutboundSms, (destination.e164, request.message, request.event_id))
    prefix = number_prefix(destination, policy.prefix_digits)
    return tuple.__new__(Send, (sms, destination.region, prefix))
