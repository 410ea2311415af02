"""``ezitxt-okta mock-okta``: options, and the token from the environment."""

from __future__ import annotations

import argparse

import pytest

from connector.cli import build_parser
from mocks.okta import cli


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return parser.parse_args(argv)


def test_options() -> None:
    args = parse(
        [
            "--host",
            "0.0.0.0",
            "--port",
            "9000",
            "--api-token",
            "t",
            "--ca-file",
            "ca.pem",
            "--allow-http",
        ]
    )
    assert (args.host, args.port, args.api_token, args.ca_file, args.allow_http) == (
        "0.0.0.0",
        9000,
        "t",
        "ca.pem",
        True,
    )
    assert args.hook_timeout == 3.0 and args.challenge_interval == 30.0
    assert args.log_level == "info"


def test_token_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cli.TOKEN_ENV, "from-env")
    assert parse([]).api_token == "from-env"


def test_no_token_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cli.TOKEN_ENV, raising=False)
    assert cli.run(parse([])) == 2


def test_registered_as_subcommand() -> None:
    args = build_parser().parse_args(["mock-okta", "--api-token", "x"])
    assert args._module is cli


def test_console_sign_in_options_and_their_defaults_in_help() -> None:
    from mocks.okta.console.app import DEFAULT_PASSWORD, DEFAULT_USER

    args = parse(["--console-user", "qa@example.com", "--console-password", "pw"])
    assert (args.console_user, args.console_password) == ("qa@example.com", "pw")
    defaults = parse([])
    assert (defaults.console_user, defaults.console_password) == (DEFAULT_USER, DEFAULT_PASSWORD)
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    text = " ".join(parser.format_help().split())
    assert f"(default: {DEFAULT_USER})" in text and f"(default: {DEFAULT_PASSWORD})" in text
