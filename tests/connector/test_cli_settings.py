"""The CLI and the settings' documentation: ``--version``; ``serve --help`` generated from the
settings models; ``.env`` read when present (and git-ignored); ``.env.example`` and the README's
settings tables held to the models."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from connector import cli
from connector.settings import ENV_PREFIX, load_settings
from connector.settings_help import sections

ROOT = Path(__file__).resolve().parents[2]
CLI = str(Path(sys.executable).with_name("ezitxt-okta"))
ALL = [setting for _, helps in sections() for setting in helps]


def squeeze(text: str) -> str:
    return " ".join(text.split())


def help_text(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as stopped:
        cli.main(list(argv))
    assert stopped.value.code == 0
    return capsys.readouterr().out


def test_version_is_the_distributions(capsys: pytest.CaptureFixture[str]) -> None:
    out = help_text(capsys, "--version")
    assert out.strip() == f"ezitxt-okta {metadata.version('ezitxt-okta')}"


def test_serve_help_lists_every_setting_with_its_default_and_description(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = help_text(capsys, "serve", "--help")
    flat = squeeze(out)
    for setting in ALL:
        assert setting.description, f"{setting.variable} has no Field(description=...)"
        assert f"{setting.variable} (default: {setting.default})" in out
        assert squeeze(setting.description) in flat
    listed = set(re.findall(rf"\b{ENV_PREFIX}[A-Z0-9_]+\b", out))
    assert listed == {setting.variable for setting in ALL}  # nothing stale, nothing missing
    assert "GATEWAY_URL (default: required)" in out


def env_example() -> tuple[dict[str, str], set[str]]:
    """``.env.example``'s set variables, and every variable it names (commented-out too)."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    active, named = {}, set()
    for line in text.splitlines():
        match = re.fullmatch(rf"(#?)\s*({ENV_PREFIX}[A-Z0-9_]+)=(.*)", line.strip())
        if match:
            named.add(match.group(2))
            if not match.group(1):
                active[match.group(2)] = match.group(3)
    return active, named


def test_env_example_lists_exactly_the_settings_with_valid_values() -> None:
    active, named = env_example()
    assert named == {setting.variable for setting in ALL}
    load_settings(active)  # every value set there is a valid one


def readme_rows() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = set()
    titles = (
        "### Configuration (environment",
        "### Toll-fraud controls",
        "### Limits on client connections",
        "### Auth modes",
        "#### Conversion feedback",
    )
    for title in titles:
        section = text[text.index(title) :]
        section = section[: section.index("\n#", 1)]
        for first_cell in re.findall(r"^\| (`[A-Z0-9_]+`(?:, `[A-Z0-9_]+`)*) \|", section, re.M):
            rows |= set(re.findall(r"`([A-Z0-9_]+)`", first_cell))
    return rows


def test_readme_settings_tables_name_exactly_the_settings() -> None:
    assert readme_rows() == {setting.variable.removeprefix(ENV_PREFIX) for setting in ALL}


def test_dot_env_is_read_when_present_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for setting in ALL:
        monkeypatch.delenv(setting.variable, raising=False)
    (tmp_path / ".env").write_text(
        "EZITXT_HOOK_GATEWAY_URL=https://gateway.example.com\nEZITXT_HOOK_BUDGET_MS=1500\n"
        "EZITXT_HOOK_MAX_HEADERS=50\nOTHER_VARIABLE=ignored\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    from connector.server_limits import load_server_limits

    assert load_settings().budget_ms == 1500
    assert load_server_limits().max_headers == 50
    monkeypatch.setenv("EZITXT_HOOK_BUDGET_MS", "1200")
    assert load_settings().budget_ms == 1200


def test_serve_reads_dot_env_and_names_its_bad_variable(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "EZITXT_HOOK_GATEWAY_URL=https://gateway.example.com\nEZITXT_HOOK_BUDGET_MS=9999\n",
        encoding="utf-8",
    )
    env = {"PATH": "/usr/bin:/bin"}  # no EZITXT_HOOK_* from the test's own environment
    result = subprocess.run(
        [CLI, "serve", "--port", "1"], cwd=tmp_path, env=env, capture_output=True, timeout=60
    )
    assert result.returncode == 2
    assert b"EZITXT_HOOK_BUDGET_MS" in result.stderr
    assert b"EZITXT_HOOK_GATEWAY_URL" not in result.stderr  # it came from .env


def test_dot_env_is_git_ignored() -> None:
    result = subprocess.run(
        ["git", "check-ignore", "-q", ".env"], cwd=ROOT, capture_output=True, timeout=30
    )
    assert result.returncode == 0, ".env must be in .gitignore"
