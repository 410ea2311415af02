from __future__ import annotations

import pytest

from connector.settings import SettingsError, load_settings


def test_defaults() -> None:
    settings = load_settings({"EZITXT_HOOK_GATEWAY_URL": "https://gw.example.com/"})
    assert settings.gateway_url == "https://gw.example.com"
    assert settings.auth_field == "Authorization"
    assert settings.budget_ms == 2500
    assert settings.default_region == "NZ"
    assert settings.provider_name == "EZITXT"
    assert settings.max_body_bytes == 65536
    assert settings.log_format == "json"


def test_gateway_url_is_required_and_named() -> None:
    with pytest.raises(SettingsError, match="EZITXT_HOOK_GATEWAY_URL: Field required"):
        load_settings({})


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("EZITXT_HOOK_BUDGET_MS", "3000"),
        ("EZITXT_HOOK_BUDGET_MS", "soon"),
        ("EZITXT_HOOK_DEFAULT_REGION", "Narnia"),
        ("EZITXT_HOOK_ALLOWED_REGIONS", "NZ,XX"),
        ("EZITXT_HOOK_ALLOWED_REGIONS", ""),  # used to mean "any": now '*' says it
        ("EZITXT_HOOK_ALLOWED_REGIONS", " , "),
        ("EZITXT_HOOK_REFUSED_NUMBER_TYPES", "PREMIUM_RATE,EXPENSIVE"),
        ("EZITXT_HOOK_REFUSED_NUMBER_TYPES", "MOBILE"),
        ("EZITXT_HOOK_REFUSED_NUMBER_TYPES", "fixed_line_or_mobile"),
        ("EZITXT_HOOK_PREFIX_DIGITS", "0"),
        ("EZITXT_HOOK_PREFIX_DIGITS", "9"),
        ("EZITXT_HOOK_LIMIT_NUMBER_15M", "-1"),
        ("EZITXT_HOOK_LIMIT_APPLICATION_DAY", "lots"),
        ("EZITXT_HOOK_MAX_BODY_BYTES", "10"),
        ("EZITXT_HOOK_LOG_FORMAT", "xml"),
        ("EZITXT_HOOK_GATEWAY_URL", "gateway.example.com"),
        ("EZITXT_HOOK_GATEWAY_URL", "https://app:secret@gateway.example.com"),
        ("EZITXT_HOOK_AUTH_FIELD", ""),
    ],
)
def test_invalid_values_name_their_variable(variable: str, value: str) -> None:
    environ = {"EZITXT_HOOK_GATEWAY_URL": "https://gw.example.com", variable: value}
    with pytest.raises(SettingsError, match=variable):
        load_settings(environ)


def test_plain_http_to_a_remote_gateway_is_refused() -> None:
    with pytest.raises(SettingsError, match="in clear"):
        load_settings({"EZITXT_HOOK_GATEWAY_URL": "http://gw.example.com"})
    allowed = load_settings(
        {
            "EZITXT_HOOK_GATEWAY_URL": "http://gw.example.com",
            "EZITXT_HOOK_ALLOW_INSECURE_GATEWAY": "true",
        }
    )
    assert allowed.allow_insecure_gateway
    assert load_settings({"EZITXT_HOOK_GATEWAY_URL": "http://127.0.0.1:8400"}).gateway_url


def test_regions_are_normalised() -> None:
    settings = load_settings(
        {
            "EZITXT_HOOK_GATEWAY_URL": "https://gw.example.com",
            "EZITXT_HOOK_DEFAULT_REGION": "au",
            "EZITXT_HOOK_ALLOWED_REGIONS": " nz, au ",
        }
    )
    assert settings.default_region == "AU"
    assert settings.allowed_region_set == {"NZ", "AU"}


def test_the_toll_fraud_defaults_and_their_spellings() -> None:
    defaults = load_settings({"EZITXT_HOOK_GATEWAY_URL": "https://gw.example.com"})
    assert defaults.allowed_region_set == {"NZ", "AU"}
    names = set(defaults.refused_number_types.split(","))
    assert {"PREMIUM_RATE", "TOLL_FREE", "SHARED_COST", "UAN", "PAGER", "VOICEMAIL"} <= names
    assert {"FIXED_LINE", "PERSONAL_NUMBER", "UNKNOWN"} <= names and "VOIP" not in names
    everywhere = load_settings(
        {"EZITXT_HOOK_GATEWAY_URL": "https://gw.example.com", "EZITXT_HOOK_ALLOWED_REGIONS": "*"}
    )
    assert everywhere.allowed_region_set == frozenset()  # the rule is not applied at all
    lower = load_settings(
        {
            "EZITXT_HOOK_GATEWAY_URL": "https://gw.example.com",
            "EZITXT_HOOK_REFUSED_NUMBER_TYPES": " voip , premium_rate ",
        }
    )
    assert lower.refused_number_types == "VOIP,PREMIUM_RATE"
    assert lower.refused_type_set == {6, 4}  # phonenumbers.PhoneNumberType values
