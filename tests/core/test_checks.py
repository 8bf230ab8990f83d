"""System checks: the SHOPCORE setting (E001-E003, E005-E007, W004), the response cache,
the schema class and the JWT signing key."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from django_shopcore.accounts.checks import check_signing_key_length
from django_shopcore.catalog.checks import check_response_cache_is_shared
from django_shopcore.core.checks import (
    check_cache_alias,
    check_currency,
    check_replicas,
    check_schema_class,
    check_shopcore_setting,
)

# Every database too: on Django 6.1 `manage.py check` asks each whether it supports
# JSONField (the variants' options).
pytestmark = [pytest.mark.user_model_agnostic, pytest.mark.django_db(databases="__all__")]


def error_ids(errors):
    return [error.id for error in errors]


@override_settings(
    SHOPCORE={
        "PAGE_SIZE": 5,
        "THROTTLE_RATES": {"login": "3/min"},
        "USER_ADMIN_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    }
)
def test_a_valid_setting_passes():
    assert check_shopcore_setting(None) == []


@override_settings(SHOPCORE={"PAGE_SIZ": 5, "PAGE_SIZE": 5})
def test_e001_an_unknown_key_is_named_with_the_valid_keys_as_hint():
    (error,) = check_shopcore_setting(None)
    assert error.id == "shopcore.E001"
    assert error.msg == "Unknown key 'PAGE_SIZ' in the SHOPCORE setting."
    assert "PAGE_SIZE" in error.hint


@override_settings(SHOPCORE=[("PAGE_SIZE", 5)])
def test_e002_the_setting_must_be_a_dict():
    (error,) = check_shopcore_setting(None)
    assert error.id == "shopcore.E002"
    assert error.msg == "SHOPCORE must be a dict, not list."


@override_settings(SHOPCORE={"USER_SERIALIZER": "no_such_module.Serializer"})
def test_e003_an_unimportable_class_is_named_with_its_key():
    (error,) = check_shopcore_setting(None)
    assert error.id == "shopcore.E003"
    assert "'no_such_module.Serializer'" in error.msg
    assert "'USER_SERIALIZER'" in error.msg


@override_settings(
    SHOPCORE={"CATALOG_PERMISSION_CLASSES": ["rest_framework.permissions.NoSuchPermission"]}
)
def test_e003_checks_every_string_of_a_list():
    assert error_ids(check_shopcore_setting(None)) == ["shopcore.E003"]


@override_settings(SHOPCORE={"PAGE_SIZ": 5})
def test_manage_py_check_stops_on_a_misconfiguration():
    with pytest.raises(SystemCheckError, match=r"shopcore\.E001"):
        call_command("check")


@override_settings(
    SHOPCORE={"CACHE_RESPONSES": True},
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
)
def test_response_cache_on_a_per_process_cache_is_a_warning():
    (warning,) = check_response_cache_is_shared(None)
    assert warning.id == "shopcore.W001"
    assert "stale" in warning.msg


@override_settings(SHOPCORE={"CACHE_RESPONSES": True})
def test_response_cache_on_a_shared_cache_is_fine():
    assert check_response_cache_is_shared(None) == []


@override_settings(REST_FRAMEWORK={})
def test_drf_default_schema_class_is_a_warning():
    (warning,) = check_schema_class(None)
    assert warning.id == "shopcore.W002"
    assert "DEFAULT_SCHEMA_CLASS" in warning.msg


def test_spectacular_schema_class_is_fine():
    assert check_schema_class(None) == []


@override_settings(SIMPLE_JWT={"SIGNING_KEY": "x" * 32})
def test_w003_a_signing_key_as_long_as_the_hash_passes():
    assert check_signing_key_length(None) == []


@override_settings(SIMPLE_JWT={"SIGNING_KEY": "short-key"})
def test_w003_a_short_signing_key_is_a_warning_with_a_hint():
    (warning,) = check_signing_key_length(None)
    assert warning.id == "shopcore.W003"
    assert warning.msg.startswith(
        "The JWT signing key (SIMPLE_JWT['SIGNING_KEY']) is 9 bytes long; HS256 needs at least 32"
    )
    assert "secrets.token_urlsafe" in warning.hint


@override_settings(SIMPLE_JWT={}, SECRET_KEY="s" * 31)
def test_w003_without_a_signing_key_secret_key_is_checked():
    (warning,) = check_signing_key_length(None)
    assert "(SECRET_KEY) is 31 bytes long" in warning.msg


@override_settings(SIMPLE_JWT={"ALGORITHM": "HS512", "SIGNING_KEY": "k" * 63})
def test_w003_longer_hashes_need_longer_keys():
    (warning,) = check_signing_key_length(None)
    assert "HS512 needs at least 64" in warning.msg


@override_settings(SIMPLE_JWT={"ALGORITHM": "RS256", "SIGNING_KEY": "-----BEGIN..."})
def test_w003_asymmetric_keys_are_not_measured():
    assert check_signing_key_length(None) == []


@pytest.mark.parametrize("currency", ["USD", "EUR", "JPY", "CHF"])
def test_an_iso_4217_currency_passes(currency):
    with override_settings(SHOPCORE={"CURRENCY": currency}):
        assert check_currency(None) == []


def test_the_default_currency_passes():
    with override_settings(SHOPCORE={}):
        assert check_currency(None) == []


@pytest.mark.parametrize("currency", ["usd", "US", "EURO", "ABC", "XXX", "XAU", "", None, 840])
def test_e005_a_currency_that_is_not_an_iso_4217_code_is_named(currency):
    with override_settings(SHOPCORE={"CURRENCY": currency}):
        (error,) = check_currency(None)
    assert error.id == "shopcore.E005"
    assert repr(currency) in error.msg


@override_settings(SHOPCORE={"CURRENCY": "usd"})
def test_an_invalid_currency_stops_manage_py_check():
    with pytest.raises(SystemCheckError, match=r"shopcore\.E005"):
        call_command("check")


@pytest.mark.parametrize("value", [[("PAGE_SIZE", 5)], "PAGE_SIZE=5", 5])
def test_manage_py_check_reports_e002_instead_of_crashing(value):
    with (
        override_settings(SHOPCORE=value),
        pytest.raises(SystemCheckError, match=r"shopcore\.E002") as raised,
    ):
        call_command("check")
    assert "AttributeError" not in str(raised.value)


@pytest.mark.parametrize("value", [[("PAGE_SIZE", 5)], "PAGE_SIZE=5"])
def test_reading_a_setting_that_is_not_a_dict_names_the_problem(value):
    from django.core.exceptions import ImproperlyConfigured

    from django_shopcore.core.settings import shopcore_settings

    with (
        override_settings(SHOPCORE=value),
        pytest.raises(ImproperlyConfigured, match=r"SHOPCORE must be a dict.*shopcore\.E002"),
    ):
        getattr(shopcore_settings, "PAGE_SIZE")  # noqa: B009 (the read is the test)


@override_settings(SHOPCORE={"CACHE_ALIAS": "catalog"})
def test_e006_a_cache_alias_naming_no_cache_is_an_error():
    (error,) = check_cache_alias(None)
    assert error.id == "shopcore.E006"
    assert "'catalog'" in error.msg
    assert "'default'" in error.hint


@override_settings(SHOPCORE={"CACHE_ALIAS": "catalog", "CACHE_RESPONSES": True})
def test_manage_py_check_stops_on_a_cache_alias_naming_no_cache():
    with pytest.raises(SystemCheckError, match=r"shopcore\.E006"):
        call_command("check")


@override_settings(
    SHOPCORE={"CACHE_ALIAS": "catalog"},
    CACHES={
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "catalog": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    },
)
def test_a_cache_alias_naming_a_cache_passes():
    assert check_cache_alias(None) == []


def test_the_default_cache_alias_passes():
    assert check_cache_alias(None) == []


@override_settings(SHOPCORE={"DATABASE_REPLICAS": ["replica"]})
def test_configured_replicas_with_the_defaults_pass():
    assert check_replicas(None) == []


@override_settings(SHOPCORE={"DATABASE_REPLICAS": ["replica", "nowhere"]})
def test_e007_a_replica_alias_must_be_in_databases():
    errors = check_replicas(None)
    assert error_ids(errors) == ["shopcore.E007"]
    assert "'nowhere'" in errors[0].msg


@override_settings(
    SHOPCORE={
        "DATABASE_REPLICAS": ["replica"],
        "READ_YOUR_WRITES_SECONDS": 14,
        "REPLICA_MAX_LAG_SECONDS": 10,
        "REPLICA_CHECK_INTERVAL": 5,
    }
)
def test_w004_the_pin_must_outlast_the_tolerated_lag():
    errors = check_replicas(None)
    assert error_ids(errors) == ["shopcore.W004"]
    assert "at least 15" in errors[0].hint


@override_settings(SHOPCORE={"READ_YOUR_WRITES_SECONDS": 1})
def test_w004_is_silent_without_replicas():
    assert check_replicas(None) == []
