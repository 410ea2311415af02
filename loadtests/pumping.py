"""The ``pumping`` shape's figures (pure: no Locust, no gevent): the bot's numbers, what the run
counts, and how the two budgets of issue 11 are measured.

SMS pumping (toll fraud): a bot makes an Okta org send codes to numbers in a range whose carrier
shares the termination fee with it, and never enters a code. The bot here asks for codes to
``BOT_RANGE``, an NZ mobile range (028, phonenumbers types it MOBILE, so the country and
number-type checks pass it: only velocity and conversion feedback can stop it), one fresh number
and one fresh Okta user a request (per-number and per-user limits never see it twice).

Two figures, each from the record that cannot be wrong about it:

- **bot messages at the gateway**: messages mock EZITXT holds for a destination in the bot's
  range, counted in its Mobile Report (the gateway's own record, not the load generator's
  belief of what Okta said);
- **legitimate sign-ins delivered**: of the sign-ins people made, those whose code the person
  read off the EZITXT handset (matched by the flow's ``eventId``); a sign-in the end of the run
  cut off before it was refused, delivered or waited out for 6 s is not judged.

Beside them, for the reader: what Okta answered the bot (the connector's error texts name the
control that refused it) and, from the connector's log, which control fired when.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from connector import outcomes
from loadtests.expect import PENDING, SUCCESSFUL

# 028 25 00xx xxxx: NZ mobile (phonenumbers: MOBILE, valid), none of mock EZITXT's test numbers,
# and no legitimate user's (they have 021/022/027 and AU 041-043). Six national digits are fixed,
# so the range is one prefix for any prefix length of up to 6 national digits.
BOT_RANGE = "+64282500"
BOT_REQUEST_TYPE = "pre-enrollment"  # a fresh user enrolling a phone: sign-up abuse
REPORT_PAGE_SIZE = 500  # the Mobile Report's largest page
# The bot budget's margin over the sends the controls must let through before they can judge a
# prefix: requests already past the block check while the block was being decided.
IN_FLIGHT_MARGIN = 5
REFUSED = "ERROR"  # mock Okta's flow outcome when the hook answered with an error object

# The tallies the users keep (summed over Locust workers by the listeners).
LEGIT_STARTED = "legit_started"  # people's sign-ins judged: refused, delivered or waited out
LEGIT_DELIVERED = "legit_delivered"  # codes read off the EZITXT handset
LEGIT_VERIFIED = "legit_verified"  # codes Okta accepted
BOT_REQUESTS = "bot_requests"  # the bot's flows that had an answer (or none) in the run
BOT_HOOK_SENT = "bot_hook_sent"  # flows Okta reported sent through the hook (its belief)
BOT_REFUSED = "bot_refused:"  # + the control whose text the connector answered with
BOT_FALLBACK_SENT = "bot_fallback_sent"  # refused, then sent by Okta's own provider

# The connector's end-user texts (connector/outcomes.py) name the kind of refusal.
CONTROL_OF_SUMMARY = {
    outcomes.USER_TOO_MANY: "rate_limited",
    outcomes.USER_PREFIX_BLOCKED: "prefix_blocked",
    outcomes.USER_NUMBER_TYPE: "number_type_refused",
    outcomes.USER_POLICY: "blocked_by_policy",
}
# Log fields the connector writes that name a prefix (the hook line, a block started).
PREFIX_FIELD = "prefix"


def bot_number(rng: random.Random) -> str:
    return f"{BOT_RANGE}{rng.randrange(10_000):04d}"


def in_bot_range(destination: str) -> bool:
    return destination.startswith(BOT_RANGE)


def control_of(error_summary: str | None) -> str:
    """The control a refusal's end-user text stands for; ``other`` for any other error."""
    return CONTROL_OF_SUMMARY.get(error_summary or "", "other")


def tally_bot_flow(flow: Mapping[str, Any], tally: Counter[str]) -> str | None:
    """Count what became of one bot request (mock Okta's flow, ``/_mock/flows``); a problem
    when the hook's answer was broken, neither a send nor a refusal: the connector then failed
    the bot as it would fail anyone, which is no control at work."""
    outcome = flow.get("outcome")
    hook = flow.get("hook") or {}
    delivery = flow.get("delivery") or {}
    if outcome in (SUCCESSFUL, PENDING):
        tally[BOT_HOOK_SENT] += 1
        return None
    if outcome == REFUSED:
        tally[BOT_REFUSED + control_of(hook.get("errorSummary"))] += 1
        if delivery.get("via") == "OKTA_FALLBACK" and delivery.get("sent"):
            tally[BOT_FALLBACK_SENT] += 1
        return None
    return f"bot flow outcome {outcome}, HTTP {hook.get('httpStatus')}"


def count_bot_messages(fetch_page: Callable[[int], Mapping[str, Any]]) -> tuple[int, int]:
    """(messages to the bot's range, messages in all) in the Mobile Report pages
    ``fetch_page(1)``, ``fetch_page(2)``, … return (the report's JSON: ``total``, ``items``)."""
    in_range = seen = 0
    page = 1
    while True:
        document = fetch_page(page)
        items = document.get("items") or []
        seen += len(items)
        in_range += sum(1 for item in items if in_bot_range(str(item.get("destination", ""))))
        if not items or seen >= int(document.get("total", 0)):
            return in_range, seen
        page += 1


@dataclass
class Fired:
    """One control's refusals of the bot's range, as the connector logged them."""

    count: int = 0
    first_s: float | None = None  # seconds from the run's start
    last_s: float | None = None


def _seconds(stamp: Any, started: float) -> float | None:
    if not isinstance(stamp, str):
        return None
    try:
        return round(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() - started, 3)
    except ValueError:
        return None


def covers_bot_range(prefix: Any) -> bool:
    """Whether a logged prefix is the bot's: the prefix is up to 6 national digits long, the
    range 6 (either may be the longer)."""
    return (
        isinstance(prefix, str)
        and len(prefix) > 3
        and (BOT_RANGE.startswith(prefix) or prefix.startswith(BOT_RANGE))
    )


def controls_fired(lines: Iterable[str | bytes], started: float) -> dict[str, Fired]:
    """Per refusal reason (the hook line's ``outcome``) or other logged event (its ``event`` or
    ``msg`` and logger, e.g. a block started), how often the connector logged it for the bot's
    prefix and when first and last. Lines that are not JSON (uvicorn's own) or name no prefix
    are skipped."""
    fired: dict[str, Fired] = {}
    for line in lines:
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if not isinstance(record, dict) or not covers_bot_range(record.get(PREFIX_FIELD)):
            continue
        outcome = record.get("outcome")  # a hook call's line: its outcome is the reason
        if outcome:
            key = str(outcome)
        else:  # another event (a block started): named by its logger, apart from the outcomes
            key = f"{record.get('event') or record.get('msg') or '?'} ({record.get('logger')})"
        entry = fired.setdefault(key, Fired())
        entry.count += 1
        at = _seconds(record.get("ts"), started)
        if at is not None:
            entry.first_s = at if entry.first_s is None else min(entry.first_s, at)
            entry.last_s = at if entry.last_s is None else max(entry.last_s, at)
    return fired


@dataclass
class PumpingFigures:
    tally: Mapping[str, int]
    bot_at_gateway: int | None  # None: the Mobile Report could not be read
    gateway_messages: int | None
    fired: Mapping[str, Fired] = field(default_factory=dict)

    @property
    def delivered_ratio(self) -> float | None:
        started = self.tally.get(LEGIT_STARTED, 0)
        return self.tally.get(LEGIT_DELIVERED, 0) / started if started else None

    def budget_figures(self) -> dict[str, float]:
        """The measured figures under their budget names (``budgets.FIGURES``); NaN: not
        measured, which no budget passes."""
        ratio = self.delivered_ratio
        return {
            "bot_messages_at_gateway": math.nan
            if self.bot_at_gateway is None
            else float(self.bot_at_gateway),
            "legitimate_delivered": math.nan if ratio is None else ratio,
        }

    def document(self) -> dict[str, Any]:
        """verdict.json's ``pumping`` section."""
        tally = Counter(self.tally)
        refused = {
            key.removeprefix(BOT_REFUSED): n for key, n in sorted(tally.items())
            if key.startswith(BOT_REFUSED)
        }  # fmt: skip
        return {
            "bot": {
                "range": BOT_RANGE,
                "request_type": BOT_REQUEST_TYPE,
                "requests": tally[BOT_REQUESTS],
                "messages_at_gateway": self.bot_at_gateway,
                "okta_said_sent_by_hook": tally[BOT_HOOK_SENT],
                "refused_by_control": refused,
                "sent_by_okta_fallback": tally[BOT_FALLBACK_SENT],
            },
            "legitimate": {
                "sign_ins": tally[LEGIT_STARTED],
                "delivered": tally[LEGIT_DELIVERED],
                "delivered_ratio": self.delivered_ratio,
                "verified": tally[LEGIT_VERIFIED],
            },
            "gateway_messages": self.gateway_messages,
            "connector_log": {
                reason: {"count": f.count, "first_s": f.first_s, "last_s": f.last_s}
                for reason, f in sorted(self.fired.items(), key=lambda kv: kv[1].first_s or 0)
            },
        }
