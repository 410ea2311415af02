"""Where the admin tools point: an Okta org and an EZITXT portal given on the command line (or
in the environment), else the running stack's wiring read from its state folder
(``stack.json``, written by ``ezitxt-okta stack``; ``--workdir`` names the folder)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the clients need requests; --help must not (connector/cli.py)
    from connector.admin.ezitxt_portal import Portal
    from connector.admin.okta_client import Okta

DEFAULT_APPLICATION = "okta-inline-hook"
HOOK_NAME = "EZITXT SMS"
STACK_FILE = "stack.json"


class NoTarget(RuntimeError):
    pass


@dataclass(frozen=True)
class Target:
    okta_url: str
    okta_token: str
    ezitxt_url: str | None  # None: Okta alone (doctor, register with --url/--field/--secret)
    application: str
    ca_file: str | None

    def okta(self) -> Okta:
        from connector.admin.okta_client import Okta

        return Okta(self.okta_url, self.okta_token, verify=self.ca_file or True)

    def portal(self) -> Portal:
        from connector.admin.ezitxt_portal import Portal

        if self.ezitxt_url is None:
            raise NoTarget("no EZITXT portal API given (--ezitxt-url, EZITXT_PORTAL_URL)")
        return Portal(self.ezitxt_url, verify=self.ca_file or True)


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("where (default: the running stack's state folder)")
    group.add_argument(
        "--okta-url",
        default=os.environ.get("OKTA_ORG_URL"),
        help="Okta org URL, e.g. https://example.okta.com (env OKTA_ORG_URL)",
    )
    group.add_argument(
        "--okta-token",
        default=os.environ.get("OKTA_API_TOKEN"),
        help="Okta API token, sent as SSWS (env OKTA_API_TOKEN; never printed)",
    )
    group.add_argument(
        "--ezitxt-url",
        default=os.environ.get("EZITXT_PORTAL_URL"),
        help="EZITXT portal API URL (env EZITXT_PORTAL_URL)",
    )
    group.add_argument(
        "--application",
        default=None,
        help=f"EZITXT application name (default: the stack's, or {DEFAULT_APPLICATION})",
    )
    group.add_argument(
        "--ca-file", default=None, help="CA bundle for https (default: the system's)"
    )
    group.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="the stack's state folder (default: the only var/stack-* with a stack.json)",
    )


def stack_file(workdir: Path | None) -> Path:
    if workdir is not None:
        return workdir / STACK_FILE
    found = [path for path in sorted(Path("var").glob(f"stack-*/{STACK_FILE}")) if _live(path)]
    if len(found) != 1:
        what = "no running stack" if not found else f"{len(found)} stacks"
        raise NoTarget(
            f"{what} under var/: give --workdir, or --okta-url, --okta-token and --ezitxt-url"
        )
    return found[0]


def _live(path: Path) -> bool:
    """Whether the stack that wrote ``path`` still runs: a stack killed with SIGKILL leaves its
    stack.json behind, which would make every later run see two stacks (or a dead one)."""
    try:
        pid = json.loads(path.read_text(encoding="utf-8")).get("pid")
    except (OSError, ValueError, AttributeError):
        return True  # unreadable: resolve() says why
    if not isinstance(pid, int) or pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, another user's
    return True


def resolve_or_complain(
    args: argparse.Namespace, command: str, *, needs_ezitxt: bool = True
) -> Target | None:
    """``resolve``, or ``None`` after saying on stderr, as ``ezitxt-okta <command>``, what is
    missing (the caller then exits 2, a usage error)."""
    try:
        return resolve(args, needs_ezitxt=needs_ezitxt)
    except NoTarget as error:
        sys.stderr.write(f"ezitxt-okta {command}: {error}\n")
        return None


def resolve(args: argparse.Namespace, *, needs_ezitxt: bool = True) -> Target:
    """The command line's org and portal when given, each missing part from the stack.

    Without ``needs_ezitxt``, an Okta org given alone (URL and token, no ``--workdir``) is a
    target of its own: EZITXT's setup guide is a portal of pages, and a command that can do
    without its API (doctor's Okta checks, register with the values given) does."""
    stack: dict[str, object] = {}
    okta_given = bool(args.okta_url and args.okta_token)
    if args.workdir or not (okta_given and (args.ezitxt_url or not needs_ezitxt)):
        path = stack_file(args.workdir)
        try:
            stack = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise NoTarget(f"cannot read {path}: {error}") from None

    def pick(given: str | None, key: str) -> str:
        value = given or stack.get(key)
        if not isinstance(value, str) or not value:
            raise NoTarget(f"no {key} given and none in the stack's {STACK_FILE}")
        return value

    ca = args.ca_file or stack.get("ca_file")
    return Target(
        okta_url=pick(args.okta_url, "okta"),
        okta_token=pick(args.okta_token, "api_token"),
        ezitxt_url=pick(args.ezitxt_url, "ezitxt") if needs_ezitxt or stack else args.ezitxt_url,
        application=args.application or str(stack.get("application") or DEFAULT_APPLICATION),
        ca_file=ca if isinstance(ca, str) else None,
    )
