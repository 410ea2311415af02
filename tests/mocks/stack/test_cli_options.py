"""``ezitxt-okta stack``'s options that change what the stack's connector runs with."""

from __future__ import annotations

import argparse

import pytest

from mocks.stack.cli import add_arguments


def test_connector_settings_other_than_production_are_asked_for_by_name() -> None:
    """``stack --connector-setting NAME=VALUE``: the one way the stack's connector leaves a
    production default (the toll-fraud limits included), prefix optional, repeatable."""
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert parser.parse_args([]).connector_setting == []
    args = parser.parse_args(
        [
            "--connector-setting",
            "limit_user_15m=100",
            "--connector-setting",
            "EZITXT_HOOK_LIMIT_NUMBER_15M=50",
        ]
    )
    assert dict(args.connector_setting) == {
        "EZITXT_HOOK_LIMIT_USER_15M": "100",
        "EZITXT_HOOK_LIMIT_NUMBER_15M": "50",
    }
    with pytest.raises(SystemExit):
        parser.parse_args(["--connector-setting", "LIMIT_USER_15M"])
