"""``ezitxt-okta register``: create or update the telephony hook in Okta from EZITXT's Okta Setup
Values (the setup guide's steps as one idempotent command; CONTRACT.md §5)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Any

HELP = "Create or update the telephony inline hook in Okta from EZITXT's Okta Setup Values."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from connector.admin.target import HOOK_NAME, add_target_arguments

    add_target_arguments(parser)
    parser.add_argument(
        "--name", default=HOOK_NAME, help=f"the hook's name (default {HOOK_NAME!r})"
    )
    given = parser.add_argument_group("setup values given here instead of read from EZITXT")
    given.add_argument("--url", help="Okta Setup Values: URL")
    given.add_argument("--field", help="Okta Setup Values: Authentication Field")
    parser.add_argument(
        "--take-over",
        action="store_true",
        help="deactivate another active telephony hook so that this one can be activated",
    )
    given.add_argument("--secret", help="Okta Setup Values: Authentication Secret (never printed)")


@dataclass(frozen=True)
class SetupValues:
    url: str
    field: str
    secret: str | None  # None: EZITXT shows a secret only once, when it is generated


def setup_values(portal: Any, application: str, say: Any) -> SetupValues:
    """EZITXT's values; the application is created, and a password generated, when missing."""
    app = portal.application(application)
    if app is None:
        say(f"EZITXT: created the application {application!r} (Okta Inline Hook)")
        app = portal.create_application(application)
    values = app["oktaSetupValues"]
    if app["authenticationDetails"]["passwordGenerated"]:
        return SetupValues(values["url"], values["authenticationField"], None)
    return new_password(portal, application, say)


def new_password(portal: Any, application: str, say: Any) -> SetupValues:
    generated = portal.generate_password(application)["oktaSetupValues"]
    say("EZITXT: Generate New Password (the previous password, if any, stops working now)")
    return SetupValues(
        generated["url"], generated["authenticationField"], generated["authenticationSecret"]
    )


def register(
    target: Any, name: str, given: SetupValues | None, say: Any, *, take_over: bool = False
) -> dict[str, Any]:
    """Create or update the hook; activate it; returns it. A second run changes nothing."""
    from connector.admin.hooks import (
        AdminRefusal,
        auth_scheme,
        hook_body,
        hook_url,
        is_oauth,
        mask_secret,
        oauth_summary,
        ours,
    )

    okta = target.okta()
    portal = target.portal() if given is None else None  # given values: EZITXT not asked
    try:
        hooks = okta.telephony_hooks()
        if portal is not None:
            app = portal.application(target.application)
            url = app["oktaSetupValues"]["url"] if app else None
            oauth = ours(hooks, name, url) if url else None
            if url is not None and oauth is not None and is_oauth(oauth):
                return keep_oauth_hook(okta, hooks, oauth, url, say, take_over=take_over)
        values = given or setup_values(portal, target.application, say)
        hook = ours(hooks, name, values.url)
        if hook is not None and is_oauth(hook):
            raise AdminRefusal(
                f"the hook {hook['id']} authenticates with {oauth_summary(hook)}; --url, --field "
                "and --secret would make it HTTP headers, which the connector's oauth mode "
                "refuses. Nothing was changed: change the hook in Okta, or delete it first."
            )
        unchanged = (
            hook is not None
            and hook_url(hook) == values.url
            and auth_scheme(hook).get("type") == "HEADER"
            and auth_scheme(hook).get("key") == values.field
        )
        if values.secret is None and not unchanged:
            # The hook must be (re)written and EZITXT never shows an old secret again.
            values = new_password(portal, target.application, say)
        if hook is None:
            assert values.secret is not None
            hook = okta.create_hook(hook_body(name, values.url, values.field, values.secret))
            say(f"Okta: created the telephony hook {name!r} {hook['id']} -> {values.url}")
        elif values.secret is not None:
            hook = okta.replace_hook(
                hook["id"], hook_body(name, values.url, values.field, values.secret)
            )
            say(f"Okta: updated the telephony hook {name!r} {hook['id']} -> {values.url}")
        else:
            say(f"Okta: the telephony hook {name!r} {hook['id']} already matches EZITXT's values")
        if values.secret is not None:
            say(f"   Authentication Field {values.field}, Secret {mask_secret(values.secret)}")
        return activate(okta, hooks, hook, say, take_over=take_over)
    finally:
        okta.close()
        if portal is not None:
            portal.close()


def keep_oauth_hook(
    okta: Any,
    hooks: list[dict[str, Any]],
    hook: dict[str, Any],
    url: str,
    say: Any,
    *,
    take_over: bool,
) -> dict[str, Any]:
    """An OAUTH hook is left as it is (Okta holds no EZITXT secret to update): only its URL is
    checked, and it is activated."""
    from connector.admin.hooks import OAUTH_SECRET_WHERE, AdminRefusal, hook_url, oauth_summary

    if hook_url(hook) != url:
        raise AdminRefusal(
            f"the hook {hook['id']} authenticates with {oauth_summary(hook)} and calls "
            f"{hook_url(hook)}, not EZITXT's URL {url}: correct its URL in Okta (Workflow > "
            "Inline Hooks); register does not rewrite an OAuth 2.0 hook. Nothing was changed."
        )
    say(
        f"Okta: the telephony hook {hook.get('name')!r} {hook['id']} already matches EZITXT's "
        f"URL; it authenticates with {oauth_summary(hook)}, left as it is ({OAUTH_SECRET_WHERE})"
    )
    return activate(okta, hooks, hook, say, take_over=take_over)


def activate(
    okta: Any, hooks: list[dict[str, Any]], hook: dict[str, Any], say: Any, *, take_over: bool
) -> dict[str, Any]:
    """Warn of another ACTIVE telephony hook (Okta allows one); activate ours unless that one
    stays."""
    from connector.admin.hooks import hook_url

    others = [h for h in hooks if h["id"] != hook["id"] and h.get("status") == "ACTIVE"]
    for other in others:
        say(
            f"WARNING: another telephony hook is ACTIVE: {other.get('name')!r} {other['id']} "
            f"-> {hook_url(other)}; Okta allows one active telephony hook"
        )
        if take_over:
            okta.lifecycle(other["id"], "deactivate")
            say(f"Okta: deactivated {other['id']} (--take-over)")
    if hook.get("status") != "ACTIVE":
        if others and not take_over:
            say(
                f"NOT activated {hook['id']}: deactivate the other hook, "
                "or run again with --take-over"
            )
            return hook
        hook = okta.lifecycle(hook["id"], "activate")
        say(f"Okta: activated {hook['id']}")
    return hook


def run(args: argparse.Namespace) -> int:
    import requests

    from connector.admin.target import resolve_or_complain

    given = None
    if args.url or args.field or args.secret:
        if not (args.url and args.field and args.secret):
            sys.stderr.write("ezitxt-okta register: give all of --url, --field and --secret\n")
            return 2
        given = SetupValues(args.url, args.field, args.secret)
    # The values given: EZITXT's portal is not asked (an Okta org alone will do).
    target = resolve_or_complain(args, "register", needs_ezitxt=given is None)
    if target is None:
        return 2
    try:
        hook = register(target, args.name, given, print, take_over=args.take_over)
    except (RuntimeError, requests.RequestException) as error:  # Okta's or EZITXT's
        sys.stderr.write(f"ezitxt-okta register: {error}\n")
        return 1
    return 0 if hook.get("status") == "ACTIVE" else 1
