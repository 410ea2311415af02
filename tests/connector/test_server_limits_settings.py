"""The server limits as settings: defaults, validation naming the variable, the cap that the
open-file limit allows, and ``.env.example`` listing every one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from connector.server_limits import RESERVED_FILES, ServerLimits, load_server_limits
from connector.settings import SettingsError

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_are_the_documented_ones() -> None:
    limits = load_server_limits({})
    assert (limits.max_head_bytes, limits.max_headers) == (16384, 100)
    assert (limits.header_timeout_s, limits.idle_timeout_s) == (5.0, 10.0)
    assert limits.max_connections == 4096


def test_values_come_from_prefixed_variables() -> None:
    limits = load_server_limits(
        {"EZITXT_HOOK_MAX_HEADERS": "20", "EZITXT_HOOK_IDLE_TIMEOUT_S": "2.5", "OTHER": "x"}
    )
    assert (limits.max_headers, limits.idle_timeout_s) == (20, 2.5)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("EZITXT_HOOK_MAX_HEAD_BYTES", "100"),  # below what any real client sends
        ("EZITXT_HOOK_MAX_HEADERS", "many"),
        ("EZITXT_HOOK_HEADER_TIMEOUT_S", "0"),
        ("EZITXT_HOOK_IDLE_TIMEOUT_S", "-1"),
        ("EZITXT_HOOK_MAX_CONNECTIONS", "0"),
    ],
)
def test_an_invalid_value_names_its_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        load_server_limits({variable: value})


@pytest.mark.parametrize(
    ("open_files", "cap"),
    [(20_000, 4096), (1024, (1024 - RESERVED_FILES) // 2), (400, 168), (10, 1)],
)
def test_the_connection_cap_fits_the_open_file_limit(open_files: int, cap: int) -> None:
    assert load_server_limits({}).connections_within(open_files) == cap


def test_env_example_lists_every_limit() -> None:
    text = (ROOT / ".env.example").read_text()
    for name in ServerLimits.model_fields:
        assert f"EZITXT_HOOK_{name.upper()}=" in text
    listed = dict(
        line.split("=", 1)
        for line in text.splitlines()
        if line.startswith("EZITXT_HOOK_") and "GATEWAY" not in line
    )
    assert load_server_limits(listed) == load_server_limits({})


@pytest.mark.slow
def test_serve_refuses_to_start_on_an_invalid_limit() -> None:
    cli = str(Path(sys.executable).with_name("ezitxt-okta"))
    env = {
        **os.environ,
        "EZITXT_HOOK_GATEWAY_URL": "http://127.0.0.1:9",
        "EZITXT_HOOK_MAX_HEADERS": "1",
    }
    done = subprocess.run(
        [cli, "serve", "--port", "9"], env=env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2
    assert "EZITXT_HOOK_MAX_HEADERS" in done.stderr and "Traceback" not in done.stderr
