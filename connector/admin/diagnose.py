"""The checks of ``doctor``, each reading one thing from Okta or EZITXT (CONTRACT.md §4, §5).
A check that cannot run says why and is skipped; only what is wrong is a ✗."""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

from connector.admin import checks as c
from connector.admin import okta_client
from connector.admin.checks import FAIL, PASS, SKIP, Check
from connector.admin.ezitxt_portal import Portal, PortalError
from connector.admin.hooks import (
    OAUTH_SECRET_WHERE,
    auth_scheme,
    hook_url,
    is_oauth,
    oauth_summary,
    ours,
)
from connector.admin.okta_client import Okta, OktaError
from connector.admin.target import Target
from connector.errors import UnusableNumber
from connector.phone import mask, normalise

CONNECTION = "Connection"
CONFIG, OKTA, PLATFORM, COMMON = "Configuration", "Okta", "Platform", "Common causes"
BLOCKING = ("rejected", "blocked")
HOOK_EVENTS = ("inline_hook.response.processed", "inline_hook.executed")
MAX_REPORT_PAGES = 20
PAGE_SIZE = 500


@dataclass(frozen=True)
class Options:
    hook_name: str
    test_number: str | None = None
    hours: float = 24.0
    user: str | None = None
    message: str | None = None
    default_region: str = "NZ"
    # Without EZITXT's portal API: its Okta Setup Values as given (--url, --field).
    url: str | None = None
    field: str = "Authorization"


def parse_time(text: str | None) -> float | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


NO_PORTAL = "no EZITXT portal API given (--ezitxt-url)"


def diagnose(target: Target, options: Options) -> list[Check]:
    okta = target.okta()
    portal = target.portal() if target.ezitxt_url is not None else None
    try:
        since = time.time() - options.hours * 3600
        found = connection(okta, portal, target.application)
        if any(check.status == FAIL for check in found):
            return found  # nothing else can be read
        sections: list[tuple[str, Callable[[], list[Check]]]] = [
            (CONFIG, lambda: configuration(okta, portal, target.application, options)),
            (OKTA, lambda: okta_checks(okta, since)),
            (PLATFORM, lambda: platform(okta, portal, target.application, options, since)),
            (COMMON, lambda: common_causes(okta, options.default_region)),
        ]
        for section, checks in sections:
            try:
                found += checks()
            except API_ERRORS as error:  # one section that cannot finish: a ✗, not a traceback
                found.append(Check(section, f"{section} checks", FAIL, str(error), fix_for(error)))
        return found
    finally:
        okta.close()
        if portal is not None:
            portal.close()


API_ERRORS = (OktaError, PortalError, requests.RequestException)


def fix_for(error: Exception) -> str:
    if isinstance(error, OktaError):
        if error.status == 401:
            return c.FIX_OKTA_TOKEN
        if error.status == 403:
            return c.FIX_OKTA_PERMISSION
        return f"Okta answered HTTP {error.status}: try again later, or see Okta's status page"
    if isinstance(error, PortalError):
        return "Check the EZITXT portal URL (--ezitxt-url) and the application name (--application)"
    return "Check the URL (--okta-url, --ezitxt-url), the network, and --ca-file for https"


def connection(okta: Okta, portal: Portal | None, application: str) -> list[Check]:
    """Both APIs answer, Okta's with the token: else every other check would fail alike."""
    out = []
    try:
        count = len(okta.telephony_hooks())
        out.append(Check(CONNECTION, "Okta API answers with the token", PASS,
                         f"{okta.url}, {count} telephony hook(s)"))  # fmt: skip
    except API_ERRORS as error:
        out.append(Check(CONNECTION, "Okta API answers with the token", FAIL, str(error),
                         fix_for(error)))  # fmt: skip
    if portal is None:
        out.append(Check(CONNECTION, "EZITXT portal API answers", SKIP,
                         f"{NO_PORTAL}: the checks that read EZITXT are skipped"))  # fmt: skip
        return out
    try:
        portal.application(application)
        out.append(Check(CONNECTION, "EZITXT portal API answers", PASS, portal.url))
    except API_ERRORS as error:
        out.append(Check(CONNECTION, "EZITXT portal API answers", FAIL, str(error),
                         fix_for(error)))  # fmt: skip
    return out


# Configuration ---------------------------------------------------------------------------------


def configuration(
    okta: Okta, portal: Portal | None, application: str, options: Options
) -> list[Check]:
    if portal is None:
        given = {"url": options.url, "authenticationField": options.field}
        return hook_configuration(okta, None, given, options)
    app = portal.application(application)
    if app is None:
        return [
            Check(
                CONFIG,
                "EZITXT application",
                FAIL,
                f"no application {application!r}",
                "Create it in EZITXT: Integrations > API Configuration > Okta Inline Hook",
            )
        ]
    return hook_configuration(okta, app, app["oktaSetupValues"], options)


def hook_configuration(
    okta: Okta, app: dict[str, Any] | None, values: dict[str, Any], options: Options
) -> list[Check]:
    """The hook against EZITXT's setup values (``app``: its application page, None when only
    the values were given)."""
    hooks = okta.telephony_hooks()
    hook = ours(hooks, options.hook_name, values["url"] or "") or next(
        (h for h in hooks if h.get("status") == "ACTIVE"), None
    )
    if hook is None:
        return [
            Check(
                CONFIG,
                "telephony hook exists",
                FAIL,
                "no telephony inline hook in Okta",
                c.FIX_NO_HOOK,
            )
        ]
    out = [
        Check(
            CONFIG,
            "telephony hook exists and is ACTIVE",
            PASS if hook.get("status") == "ACTIVE" else FAIL,
            f"{hook.get('name')!r} {hook['id']} {hook.get('status')}",
            c.FIX_INACTIVE,
            {"hookId": hook["id"]},
        ),
        url_check(hook, values["url"]),
    ]
    if is_oauth(hook):
        return out + oauth_configuration(hook, okta, options)
    scheme = auth_scheme(hook)
    auth_ok = scheme.get("type") == "HEADER" and scheme.get("key") == values["authenticationField"]
    out.append(
        Check(
            CONFIG,
            "authentication is HTTP headers with the Authentication Field",
            PASS if auth_ok else FAIL,
            f"{scheme.get('type')} {scheme.get('key')!r}, EZITXT {values['authenticationField']!r}",
            c.FIX_AUTH,
        )
    )
    updated = parse_time(hook.get("lastUpdated"))
    if app is None:
        when = iso(updated) if updated is not None else "unknown"
        out.append(
            Check(
                CONFIG,
                "secret copied into Okta",
                SKIP,
                f"{NO_PORTAL}: compare when EZITXT's password was generated (Integrations > "
                f"API Configuration) with the hook's last update, {when}",
            )
        )
        out.append(try_secret(okta, hook, options))
        return out
    generated = parse_time(app["authenticationDetails"].get("passwordGeneratedAt"))
    if generated is None:
        out.append(
            Check(
                CONFIG,
                "secret copied into Okta",
                FAIL,
                "no password generated in EZITXT",
                "Generate New Password in EZITXT and copy the Authentication Secret into Okta",
            )
        )
    elif updated is not None and generated > updated:
        out.append(
            Check(
                CONFIG,
                "secret copied into Okta",
                FAIL,
                f"a new password was generated in EZITXT ({iso(generated)}) after the hook "
                f"was last updated in Okta ({iso(updated)})",
                c.FIX_SECRET,
            )
        )
    else:
        out.append(
            Check(
                CONFIG,
                "secret copied into Okta",
                PASS,
                "the hook was updated after EZITXT's last new password",
            )
        )
    out.append(try_secret(okta, hook, options))
    return out


def url_check(hook: dict[str, Any], url: str | None) -> Check:
    name = "hook URL equals EZITXT's Okta Setup Values URL"
    if url is None:
        detail = f"Okta {hook_url(hook)}; {NO_PORTAL}: give --url to compare"
        return Check(CONFIG, name, SKIP, detail)
    ok = hook_url(hook) == url
    return Check(CONFIG, name, PASS if ok else FAIL, f"Okta {hook_url(hook)}, EZITXT {url}",
                 c.FIX_URL)  # fmt: skip


def oauth_configuration(hook: dict[str, Any], okta: Okta, options: Options) -> list[Check]:
    """An ``OAUTH`` hook (the connector's ``oauth`` mode): no header, and no EZITXT secret in
    Okta whose age could be compared with EZITXT's last new password."""
    return [
        Check(CONFIG, "authentication is OAuth 2.0", PASS, oauth_summary(hook)),
        Check(
            CONFIG,
            "secret copied into Okta",
            SKIP,
            f"{OAUTH_SECRET_WHERE}; a password generated in EZITXT must be put there"
            " (--test-number tries it)",
        ),
        try_secret(okta, hook, options),
    ]


def execute_body(hook_id: str, okta_url: str, number: str) -> dict[str, Any]:
    """A telephony request as Okta sends it, for ``execute``; its code is random and unused."""
    otp = f"{secrets.randbelow(10**6):06d}"
    now = time.time()
    return {
        "eventId": secrets.token_hex(16),
        "eventTime": iso(now),
        "eventType": "com.okta.telephony.provider",
        "eventTypeVersion": "1.0",
        "contentType": "application/json",
        "cloudEventVersion": "0.1",
        "source": f"{okta_url}/api/v1/inlineHooks/{hook_id}",
        "requestType": "com.okta.user.telephony.mfa-verification",
        "data": {
            "context": {
                "request": {
                    "id": secrets.token_hex(8),
                    "method": "POST",
                    "url": {"value": "/idp/idx/challenge"},
                    "ipAddress": "127.0.0.1",
                }
            },
            "userProfile": {
                "firstName": "ezitxt-okta",
                "lastName": "doctor",
                "login": "doctor@ezitxt-okta.invalid",
                "userId": "00udoctor",
            },
            "messageProfile": {
                "msgTemplate": f"Your verification code is {otp}",
                "phoneNumber": number,
                "otpExpires": iso(now + 300),
                "deliveryChannel": "SMS",
                "otpCode": otp,
                "locale": "EN",
            },
        },
    }


def classify_execute(status: int, body: Any) -> Check:
    name = "secret tried for real (one SMS)"
    if status == 200 and isinstance(body, dict):
        if "error" in body:
            reason = (body.get("error") or {}).get("errorSummary", "error object")
            return Check(CONFIG, name, FAIL, f"the connector answered an error: {reason}", reason)
        try:
            value = body["commands"][0]["value"][0]
        except (KeyError, IndexError, TypeError):
            return Check(
                CONFIG, name, FAIL, "the hook's answer has no telephony action", c.FIX_AUTH
            )
        if value.get("status") in ("SUCCESSFUL", "PENDING"):
            tx = value.get("transactionId", "")
            return Check(
                CONFIG,
                name,
                PASS,
                f"{value['status']}, EZITXT message {tx}",
                data={"transactionId": tx},
            )
        return Check(CONFIG, name, FAIL, f"the send {value.get('status')}", c.FIX_BLOCKED)
    causes = body.get("errorCauses") or [] if isinstance(body, dict) else []
    summary = "; ".join(str(x.get("errorSummary", "")) for x in causes) or str(body)[:200]
    if "401" in summary:
        return Check(CONFIG, name, FAIL, summary, c.FIX_401)
    if any(word in summary for word in ("No answer", "Connection failed", "TLS failure")):
        return Check(CONFIG, name, FAIL, summary, c.FIX_TIMEOUT)
    return Check(CONFIG, name, FAIL, summary, summary)


def try_secret(okta: Okta, hook: dict[str, Any], options: Options) -> Check:
    if not options.test_number:
        return Check(
            CONFIG,
            "secret tried for real",
            SKIP,
            "give --test-number N to send one SMS through the hook",
        )
    response = okta.execute(hook["id"], execute_body(hook["id"], okta.url, options.test_number))
    try:
        body = response.json()
    except ValueError:
        body = response.text[:200]
    return classify_execute(response.status_code, body)


# Okta ------------------------------------------------------------------------------------------


def okta_checks(okta: Okta, since: float) -> list[Check]:
    # Until now, not the start of the run: --test-number's execute has just been logged.
    return [sms_uses(okta), hook_failures(okta, since, time.time() + 0.001)]


# Real Okta's Phone authenticator says what it may be used for in ``settings.allowedFor``
# (AllowedForEnum of the management OpenAPI) and lists its ``sms`` method's status at
# ``/api/v1/authenticators/{id}/methods``; the uses each value leaves SMS on for:
ALLOWED_FOR_USES = {
    "any": ("sign-in", "recovery"),
    "sso": ("sign-in",),
    "recovery": ("recovery",),
    "none": (),
}
USES = ("sign-in", "recovery")


def sms_uses(okta: Okta) -> Check:
    """Security > Authenticators > Phone: SMS allowed for each use, where the org's API shows it
    (mock Okta: its ``smsUses`` extension; a real org: ``allowedFor`` and the sms method)."""
    name = "SMS enabled in the Phone authenticator's uses"
    try:
        authenticators = okta.call("authenticators", "GET", "/api/v1/authenticators")
    except OktaError as error:
        return Check(
            OKTA,
            name,
            SKIP,
            f"not exposed by this org's API ({error.status}): "
            "check Security > Authenticators > Phone by hand",
        )
    phone = next((a for a in authenticators if a.get("key") == "phone_number"), None)
    if phone is None or phone.get("status") != "ACTIVE":
        return Check(
            OKTA,
            name,
            FAIL,
            "the Phone authenticator is not active",
            "Activate it in Okta: Security > Authenticators > Phone",
        )
    settings = phone.get("settings") or {}
    uses = settings.get("smsUses")
    if isinstance(uses, dict):
        off = sorted(use for use, enabled in uses.items() if not enabled)
        if off:
            return Check(
                OKTA, name, FAIL, f"SMS is off for: {', '.join(off)}", c.FIX_SMS_USE, {"off": off}
            )
        return Check(OKTA, name, PASS, f"SMS on for: {', '.join(sorted(uses))}")
    return real_org_sms_uses(okta, phone, settings.get("allowedFor"))


def real_org_sms_uses(okta: Okta, phone: dict[str, Any], allowed_for: Any) -> Check:
    name = "SMS enabled in the Phone authenticator's uses"
    try:
        path = f"/api/v1/authenticators/{phone['id']}/methods"
        methods = okta.call("authenticator methods", "GET", path)
    except OktaError:
        methods = None  # an org without the methods API (Classic Engine): allowedFor alone
    sms = next((m for m in methods or [] if m.get("type") == "sms"), None)
    if sms is not None and sms.get("status") != "ACTIVE":
        return Check(
            OKTA, name, FAIL, f"the Phone authenticator's SMS method is {sms.get('status')}",
            FIX_SMS_METHOD, {"off": list(USES)},
        )  # fmt: skip
    if allowed_for in ALLOWED_FOR_USES:
        off = [use for use in USES if use not in ALLOWED_FOR_USES[allowed_for]]
        detail = f"allowedFor {allowed_for}"
        if off:
            return Check(
                OKTA, name, FAIL, f"{detail}: SMS is off for: {', '.join(off)}", c.FIX_SMS_USE,
                {"off": off},
            )  # fmt: skip
        method = "SMS method ACTIVE, " if sms is not None else ""
        return Check(OKTA, name, PASS, f"{method}{detail}: SMS on for: {', '.join(USES)}")
    return Check(
        OKTA, name, PASS, "the Phone authenticator is ACTIVE (per-use settings not exposed)"
    )


FIX_SMS_METHOD = "Activate SMS in Okta: Security > Authenticators > Phone > Actions > SMS"


def failure_cause(event: dict[str, Any]) -> str:
    debug = ((event.get("debugContext") or {}).get("debugData")) or {}
    reason = str((event.get("outcome") or {}).get("reason") or "")
    if debug.get("httpStatus") == "401" or "HTTP 401" in reason:
        return "HTTP 401: " + c.FIX_401
    if (
        reason.startswith(("No answer", "Connection failed", "TLS failure"))
        or "timeout" in reason.lower()
    ):
        return "timeout: " + c.FIX_TIMEOUT
    return f"error: {reason or 'no reason given'}"


def is_other_hooks(event: dict[str, Any], telephony_ids: set[str]) -> bool:
    """An event about an inline hook that is not a telephony hook (a token or registration
    hook of the same org), told by its InlineHook target."""
    hooks = {t.get("id") for t in event.get("target") or [] if t.get("type") == "InlineHook"}
    return bool(hooks) and not hooks & telephony_ids


def failure_causes(events: Iterable[dict[str, Any]], telephony_ids: set[str]) -> Counter[str]:
    """The failed calls of the telephony hooks, counted by cause."""
    causes: Counter[str] = Counter()
    seen: set[tuple[str, ...]] = set()
    for event in events:
        if (event.get("outcome") or {}).get("result") != "FAILURE":
            continue
        if is_other_hooks(event, telephony_ids):
            continue
        # One failed call can log both events, with the same debugData and reason: count it once.
        debug = (event.get("debugContext") or {}).get("debugData") or {}
        call = (str(event.get("published", ""))[:19], str(sorted(debug.items())),
                str((event.get("outcome") or {}).get("reason")))  # fmt: skip
        if call not in seen:
            seen.add(call)
            causes[failure_cause(event)] += 1
    return causes


def hook_failures(okta: Okta, since: float, until: float) -> Check:
    name = "System Log: telephony hook failures"
    filter_text = " or ".join(f'eventType eq "{e}"' for e in HOOK_EVENTS)
    telephony_ids = {str(h.get("id")) for h in okta.telephony_hooks()}
    causes = failure_causes(okta.logs(iso(since), iso(until), filter_text), telephony_ids)
    if not causes:
        return Check(OKTA, name, PASS, "none since " + iso(since))
    detail = "; ".join(f"{n} × {cause}" for cause, n in causes.most_common())
    return Check(OKTA, name, FAIL, detail, "; ".join(causes), {"causes": dict(causes)})


# Platform --------------------------------------------------------------------------------------


def report_rows(portal: Portal, **filters: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for page in range(1, MAX_REPORT_PAGES + 1):
        found = portal.report(page=page, pageSize=PAGE_SIZE, **filters)
        rows += found["items"]
        if len(rows) >= int(found["total"]) or not found["items"]:
            break
    return rows


def platform(
    okta: Okta, portal: Portal | None, application: str, options: Options, since: float
) -> list[Check]:
    if portal is None:
        out = [
            Check(
                PLATFORM,
                "Mobile Report: recent messages by status",
                SKIP,
                f"{NO_PORTAL}: see EZITXT's Mobile Report by hand",
            )  # fmt: skip
        ]
        if options.user:
            out.append(user_history(okta, None, options.user, options))
        return out
    rows = report_rows(portal, application=application, **{"from": iso(since)})
    out = [by_status("Mobile Report: recent messages by status", rows)]
    if options.user:
        out.append(user_history(okta, portal, options.user, options))
    if options.message:
        entry = portal.report_entry(options.message)
        if entry is None:
            out.append(
                Check(
                    PLATFORM,
                    f"message {options.message}",
                    FAIL,
                    "not in the Mobile Report",
                    "Check the message id (the hook answer's transactionId)",
                )
            )
        else:
            out.append(history(f"message {options.message}", entry))
    return out


def by_status(name: str, rows: list[dict[str, Any]]) -> Check:
    counts = Counter(str(r.get("status")) for r in rows)
    detail = ", ".join(f"{s} {n}" for s, n in sorted(counts.items())) or "no message"
    bad = sum(counts[s] for s in BLOCKING)
    blocked = sorted(
        {mask(str(r.get("destination", ""))) for r in rows if r.get("status") in BLOCKING}
    )
    return Check(
        PLATFORM,
        name,
        FAIL if bad else PASS,
        detail + (f" (to {', '.join(blocked)})" if bad else ""),
        c.FIX_BLOCKED,
        {"byStatus": dict(counts)},
    )


def history(name: str, entry: dict[str, Any]) -> Check:
    steps = " -> ".join(str(h.get("status")) for h in entry.get("history") or []) or str(
        entry.get("status")
    )
    status = FAIL if entry.get("status") in BLOCKING else PASS
    return Check(
        PLATFORM,
        name,
        status,
        f"to {mask(str(entry.get('destination', '')))}: {steps}",
        c.FIX_BLOCKED,
    )


def user_history(okta: Okta, portal: Portal | None, login: str, options: Options) -> Check:
    name = f"user {login}"
    user = okta.user_by_login(login)
    if user is None:
        return Check(
            PLATFORM, name, FAIL, "no such user in Okta", "Check the login in Directory > People"
        )
    raw = str((user.get("profile") or {}).get("mobilePhone") or "")
    try:
        e164 = normalise(raw, options.default_region).e164
    except UnusableNumber:
        return Check(PLATFORM, name, FAIL, f"mobile {mask(raw)} cannot be normalised", c.FIX_NUMBER)
    if portal is None:
        detail = f"mobile {mask(e164)}: usable; {NO_PORTAL}: its messages not read"
        return Check(PLATFORM, name, PASS, detail)
    rows = report_rows(portal, destination=e164)
    check = by_status(name, rows)
    check.detail = f"mobile {mask(e164)}: {check.detail}"
    return check


# Common causes ---------------------------------------------------------------------------------


def common_causes(okta: Okta, region: str) -> list[Check]:
    bad: list[str] = []
    checked = 0
    for user in okta.users():
        checked += 1
        profile = user.get("profile") or {}
        raw = profile.get("mobilePhone")
        if not raw:
            continue
        try:
            normalise(str(raw), region)
        except UnusableNumber:
            bad.append(f"{profile.get('login')} ({mask(str(raw))})")
    name = "users' mobile numbers can be normalised"
    # An org larger than the listing's bound: say how far it was read, never "every user".
    partly = (
        f" (the first {checked} users only: the listing stops at {okta_client.MAX_PAGES} pages)"
        if "list users" in okta.cut_short
        else ""
    )
    if bad:
        return [Check(COMMON, name, FAIL, ", ".join(bad) + partly, c.FIX_NUMBER, {"users": bad})]
    usable = f"every {'checked ' if partly else ''}user's mobile number is usable"
    return [Check(COMMON, name, PASS, usable + partly, data={"users checked": checked})]
