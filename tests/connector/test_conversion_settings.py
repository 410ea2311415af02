"""Conversion feedback's settings: the events secret (never quoted, from a file too), the
allow-list, and the block lengths, checked at start."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.conversion import ConversionRules
from connector.settings import SettingsError, load_settings

GATEWAY = {"EZITXT_HOOK_GATEWAY_URL": "https://gateway.example.com"}
SECRET = "Basic c2l4dGVlbi1vci1tb3JlLWNoYXJz"


def test_off_by_default_and_the_defaults_of_the_issue() -> None:
    settings = load_settings(GATEWAY)
    assert settings.events_secret_value is None
    assert settings.prefix_digits == 5
    assert settings.conversion_rules == ConversionRules(
        window_s=3600, min_sends=20, threshold=0.2, block_s=900, max_block_s=86_400
    )


def test_the_secret_is_masked_and_may_come_from_a_file(tmp_path: Path) -> None:
    settings = load_settings({**GATEWAY, "EZITXT_HOOK_EVENTS_SECRET": SECRET})
    assert settings.events_secret_value == SECRET
    assert SECRET not in repr(settings) and SECRET not in str(settings.model_dump())
    path = tmp_path / "events"
    path.write_text(SECRET + "\n")
    from_file = load_settings({**GATEWAY, "EZITXT_HOOK_EVENTS_SECRET_FILE": str(path)})
    assert from_file.events_secret_value == SECRET
    with pytest.raises(SettingsError, match="both set"):
        load_settings(
            {
                **GATEWAY,
                "EZITXT_HOOK_EVENTS_SECRET": SECRET,
                "EZITXT_HOOK_EVENTS_SECRET_FILE": str(path),
            }
        )


@pytest.mark.parametrize("secret", ["short", " " + SECRET, SECRET + "\t"])
def test_a_weak_or_padded_secret_is_refused_without_being_quoted(secret: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({**GATEWAY, "EZITXT_HOOK_EVENTS_SECRET": secret})
    assert "EZITXT_HOOK_EVENTS_SECRET" in str(refused.value)
    assert secret.strip() not in str(refused.value)


def test_the_allow_list_holds_e164_prefixes() -> None:
    settings = load_settings(
        {**GATEWAY, "EZITXT_HOOK_CONVERSION_ALLOW_PREFIXES": " +6421, +61412 "}
    )
    assert settings.conversion_rules.allow == ("+6421", "+61412")
    with pytest.raises(SettingsError, match="CONVERSION_ALLOW_PREFIXES"):
        load_settings({**GATEWAY, "EZITXT_HOOK_CONVERSION_ALLOW_PREFIXES": "6421,+0"})


def test_the_longest_block_is_at_least_the_first() -> None:
    with pytest.raises(SettingsError, match="MAX_BLOCK_S"):
        load_settings(
            {
                **GATEWAY,
                "EZITXT_HOOK_CONVERSION_BLOCK_S": "3600",
                "EZITXT_HOOK_CONVERSION_MAX_BLOCK_S": "900",
            }
        )
