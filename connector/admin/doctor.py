"""``ezitxt-okta doctor``: the setup guide's Troubleshooting section as checks against an Okta org
and the EZITXT portal API, or the running stack (CONTRACT.md §4, §5)."""

from __future__ import annotations

import argparse
import json
import sys

HELP = "Check the Okta hook, Okta's settings and logs, and EZITXT's delivery: ✓ or ✗ with the fix."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from connector.admin.target import HOOK_NAME, add_target_arguments

    add_target_arguments(parser)
    parser.add_argument(
        "--name", default=HOOK_NAME, help=f"the hook's name (default {HOOK_NAME!r})"
    )
    parser.add_argument("--test-number", help="try the secret for real: one SMS to this number")
    parser.add_argument(
        "--hours", type=float, default=24.0, help="look back this far in the logs (default 24)"
    )
    parser.add_argument("--user", help="one Okta user's (login's) delivery history")
    parser.add_argument("--message", help="one EZITXT message id's delivery history")
    parser.add_argument(
        "--default-region", default="NZ", help="region of numbers without a country code"
    )
    parser.add_argument("--json", action="store_true", help="one JSON document, for machines")
    alone = parser.add_argument_group(
        "an Okta org alone (--okta-url and --okta-token, no --ezitxt-url): EZITXT's Okta Setup "
        "Values as its portal shows them; the checks that read EZITXT are skipped"
    )
    alone.add_argument("--url", help="Okta Setup Values: URL (else the hook's URL is not checked)")
    alone.add_argument(
        "--field", default="Authorization", help="Okta Setup Values: Authentication Field"
    )


def run(args: argparse.Namespace) -> int:
    from connector.admin.checks import FAIL, render
    from connector.admin.diagnose import Options, diagnose
    from connector.admin.target import resolve_or_complain

    target = resolve_or_complain(args, "doctor", needs_ezitxt=False)
    if target is None:
        return 2
    options = Options(
        hook_name=args.name,
        test_number=args.test_number,
        hours=args.hours,
        user=args.user,
        message=args.message,
        default_region=args.default_region,
        url=args.url,
        field=args.field,
    )
    checks = diagnose(target, options)
    failed = any(c.status == FAIL for c in checks)
    if args.json:
        doc = {"ok": not failed, "checks": [c.as_json() for c in checks]}
        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render(checks) + "\n")
    return 1 if failed else 0
