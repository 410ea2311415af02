"""``ezitxt-okta rotate``: the guide's Security Notes as one command (CONTRACT.md §5): Generate
New Password in EZITXT, then put it in the Okta hook at once."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

HELP = "Generate New Password in EZITXT and update the Okta telephony hook with it at once."

ORDER = (
    "Order: 1. EZITXT Generate New Password (the old password stops working at once), "
    "2. the Okta hook's Authentication Secret replaced. Between the two, hook calls fail with "
    "HTTP 401 (Okta falls back to its own provider where that is on): {gap}. "
    "With the connector's `static` auth mode (EZITXT_HOOK_STATIC_SECRETS) Okta holds one of "
    "the connector's own secrets, several live at once: add the new one to the connector, put "
    "it in Okta, then remove the old one, and a rotation fails no call at all (restart "
    "replicas one at a time, so that one always answers). This command is not for that mode: "
    "see `ezitxt-okta rotate --help`."
)

# Said before anything is changed (--help): this command puts EZITXT's password in the hook,
# which is right for the pass-through mode only.
STATIC = (
    "For the pass-through auth mode (the connector's default), where the Okta hook holds "
    "EZITXT's Authentication Secret. Not for a connector in `static` mode: there the hook holds "
    "one of the connector's own secrets, and this command would put EZITXT's password in its "
    "place (refused by the connector unless passthrough is on too) and change the password "
    "the connector sends with. Rotate there with no failed call: add the next value to "
    "EZITXT_HOOK_STATIC_SECRETS beside the current one and restart the connector (replicas one "
    "at a time), run `ezitxt-okta register --url URL --field FIELD --secret NEXT`, then drop "
    "the old value the same way. A hook with OAuth 2.0 is refused."
)


# Okta's update is retried after these waits (429s are waited out by the client itself): the
# EZITXT password has changed already, so every second without the new secret in Okta fails calls.
RETRY_WAITS_S = (1.0, 2.0)

HALF_DONE = (
    "EZITXT has a new password, but the Okta hook {hook} still holds the old one ({error}): "
    "every hook call fails with HTTP 401 until Okta has the new secret. EZITXT shows a secret "
    "only once and this command never prints it: run `ezitxt-okta rotate` again (another new "
    "password, then Okta), or Generate New Password in EZITXT and paste its Authentication "
    "Secret into the hook (Workflow > Inline Hooks)."
)


class HalfRotated(RuntimeError):
    """Step 1 done, step 2 not: the org fails every call until the hook gets a new secret."""


OAUTH_REFUSAL = (
    "the hook {hook} authenticates with {how}: Okta holds no EZITXT secret, so there is none to "
    "rotate in Okta. Nothing was changed. To rotate the EZITXT password: Generate New Password "
    "in EZITXT, put the new Authentication Secret in the connector's EZITXT_HOOK_OAUTH_CLIENTS "
    "and restart it; calls fail with HTTP 401 from the gateway in between. To rotate the OAuth "
    "client secret: Okta > Applications > the client, then the hook's client secret."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from connector.admin.target import HOOK_NAME, add_target_arguments

    parser.epilog = STATIC
    add_target_arguments(parser)
    parser.add_argument(
        "--name", default=HOOK_NAME, help=f"the hook's name (default {HOOK_NAME!r})"
    )


def rotate(target: Any, name: str, say: Any, *, sleep: Any = time.sleep) -> float:
    """Rotate; returns the seconds during which the two disagreed."""
    from connector.admin.hooks import (
        AdminRefusal,
        hook_body,
        is_oauth,
        mask_secret,
        oauth_summary,
        ours,
    )
    from connector.admin.okta_client import OktaError

    okta, portal = target.okta(), target.portal()
    try:
        app = portal.application(target.application)
        if app is None:
            raise OktaError(
                "rotate", 404, f"no EZITXT application {target.application!r}: run register"
            )
        hook = ours(okta.telephony_hooks(), name, app["oktaSetupValues"]["url"])
        if hook is None:
            raise OktaError("rotate", 404, f"no telephony hook {name!r}: run register")
        if is_oauth(hook):
            # A new EZITXT password here would stop every SMS until the connector's settings
            # held it, and a HEADER hook written over the OAUTH one would be refused by the
            # connector's oauth mode: refuse before changing anything.
            raise AdminRefusal(OAUTH_REFUSAL.format(hook=hook["id"], how=oauth_summary(hook)))
        started = time.monotonic()
        values = portal.generate_password(target.application)["oktaSetupValues"]
        say("1. EZITXT: new password generated; the old one no longer works")
        body = hook_body(
            hook["name"],
            values["url"],
            values["authenticationField"],
            values["authenticationSecret"],
        )
        replace_with_retries(okta, hook["id"], body, say, sleep)
        gap = time.monotonic() - started
        say(f"2. Okta: hook {hook['id']} now holds {mask_secret(values['authenticationSecret'])}")
        say(ORDER.format(gap=f"{gap:.2f} s this time"))
        return gap
    finally:
        okta.close()
        portal.close()


def replace_with_retries(okta: Any, hook_id: str, body: Any, say: Any, sleep: Any) -> None:
    import requests

    from connector.admin.okta_client import OktaError

    for attempt, wait in enumerate((*RETRY_WAITS_S, None), start=1):
        try:
            okta.replace_hook(hook_id, body)
            return
        except (OktaError, requests.RequestException) as error:
            if wait is None or (isinstance(error, OktaError) and 400 <= error.status < 429):
                # Out of retries, or a refusal that a retry would only repeat.
                raise HalfRotated(HALF_DONE.format(hook=hook_id, error=error)) from error
            say(f"   Okta: the hook update failed ({error}); retry {attempt} in {wait:.0f} s")
            sleep(wait)


def run(args: argparse.Namespace) -> int:
    import requests

    from connector.admin.target import resolve_or_complain

    target = resolve_or_complain(args, "rotate")
    if target is None:
        return 2
    try:
        rotate(target, args.name, print)
    except (RuntimeError, requests.RequestException) as error:  # Okta's or EZITXT's
        sys.stderr.write(f"ezitxt-okta rotate: {error}\n")
        return 1
    return 0
