"""System checks on the SHOPCORE setting: E001, E002, E003 and E005, W001 and W002."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from django_shopcore.catalog.checks import check_response_cache_is_shared
from django_shopcore.core.checks import (
    check_cache_alias,
    check_schema_class,
    check_shopcore_setting,
)

pytestmark = pytest.mark.user_model_agnostic


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
def test_e005_a_cache_alias_naming_no_cache_is_an_error():
    (error,) = check_cache_alias(None)
    assert error.id == "shopcore.E005"
    assert "'catalog'" in error.msg
    assert "'default'" in error.hint


@override_settings(SHOPCORE={"CACHE_ALIAS": "catalog", "CACHE_RESPONSES": True})
def test_manage_py_check_stops_on_a_cache_alias_naming_no_cache():
    with pytest.raises(SystemCheckError, match=r"shopcore\.E005"):
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
