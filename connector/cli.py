"""``ezitxt-okta``: one command line for the connector and whatever else is installed with it.

Subcommands come from the ``ezitxt_okta.commands`` entry points (pyproject.toml): the connector
registers ``serve``; the mocks register ``mock-ezitxt``, ``mock-okta`` and ``stack``, so this
module never imports them and the production package runs without their dependencies. Each
subcommand is a module exposing ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``,
importing its heavy dependencies inside ``run`` so that ``--help`` stays fast. When a command
needs a package that is not installed, it says which extra of this distribution brings it (from
the installed metadata) instead of failing with a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from types import ModuleType

from connector import interrupts

GROUP = "ezitxt_okta.commands"
DISTRIBUTION = "ezitxt-okta"
# Without installed metadata (a bare source tree), the connector's own command still works.
BUILTIN = {"serve": "connector.serve_cli"}


@dataclass(frozen=True)
class Command:
    name: str
    module: str


def discover() -> list[Command]:
    found = {name: Command(name, module) for name, module in BUILTIN.items()}
    for point in metadata.entry_points(group=GROUP):
        found[point.name] = Command(point.name, point.module)
    return list(found.values())


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def extra_providing(module: str | None) -> str | None:
    """The extra of this distribution whose requirements include the package ``module``."""
    if not module:
        return None
    wanted = _normal(module.partition(".")[0])
    try:
        requirements = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        return None
    for requirement in requirements:
        name, _, marker = requirement.partition(";")
        project = re.split(r"[\s<>=!~\[(]", name.strip(), maxsplit=1)[0]
        extra = re.search(r"extra\s*==\s*['\"]([^'\"]+)['\"]", marker)
        names = {_normal(project), _normal(project.removeprefix("python-"))}
        if extra and wanted in names:
            return extra.group(1)
    return None


def missing(command: str, error: ModuleNotFoundError) -> str:
    extra = extra_providing(error.name)
    install = f"pip install '{DISTRIBUTION}[{extra}]'" if extra else f"pip install {error.name}"
    return (
        f"ezitxt-okta {command}: needs the Python package {error.name!r}, which is not "
        f"installed.\nInstall it with: {install}" + ("  (`make run` does)" if extra else "") + "\n"
    )


class Unavailable:
    """Stands in for a subcommand whose module cannot be imported here."""

    def __init__(self, command: Command, error: ModuleNotFoundError) -> None:
        self.command, self.error = command, error
        extra = extra_providing(error.name)
        needs = f"the {extra!r} extra" if extra else repr(error.name)
        self.HELP = f"(not installed: needs {needs})"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        pass  # its arguments are unknown here: main() lets any through to the message

    def run(self, args: argparse.Namespace) -> int:
        sys.stderr.write(missing(self.command.name, self.error))
        return 2


def load(command: Command) -> ModuleType | Unavailable:
    try:
        return importlib.import_module(command.module)
    except ModuleNotFoundError as error:
        return Unavailable(command, error)


def version() -> str:
    """The installed distribution's version (pyproject.toml), or ``unknown`` in a bare tree."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ezitxt-okta",
        description="Okta telephony inline hook for EZITXT, and its local mock stack.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in discover():
        module = load(command)
        help_text: str = module.HELP
        child = sub.add_parser(command.name, help=help_text, description=help_text)
        module.add_arguments(child)
        child.set_defaults(_module=module, _command=command)
    return parser


INTERRUPTED_EXIT = 130  # as a shell reports a command ended by SIGINT


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand. A Ctrl-C that lands before the subcommand handles it (while its
    modules are imported, or in one that does not catch it) ends it with 130 and one line."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        return _interrupted()


def _interrupted() -> int:
    sys.stderr.write("ezitxt-okta: interrupted (Ctrl-C)\n")
    return INTERRUPTED_EXIT


def _main(argv: Sequence[str] | None) -> int:
    # The subcommands' modules are imported here: a Ctrl-C meanwhile is acted on after.
    with interrupts.deferred() as noted:
        parser = build_parser()
    if noted:
        return _interrupted()
    args, unknown = parser.parse_known_args(argv)
    if unknown and not isinstance(args._module, Unavailable):
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        code: int = args._module.run(args)
    except ModuleNotFoundError as error:  # a dependency imported inside run()
        sys.stderr.write(missing(args._command.name, error))
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
