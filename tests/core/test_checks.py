"""System checks on the SHOPCORE setting: E001, E002, E003, E005 and W003."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from django_shopcore.catalog.checks import check_response_cache_is_shared
from django_shopcore.core.checks import check_replicas, check_schema_class, check_shopcore_setting

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


@override_settings(SHOPCORE={"DATABASE_REPLICAS": ["replica"]})
def test_configured_replicas_with_the_defaults_pass():
    assert check_replicas(None) == []


@override_settings(SHOPCORE={"DATABASE_REPLICAS": ["replica", "nowhere"]})
def test_e005_a_replica_alias_must_be_in_databases():
    errors = check_replicas(None)
    assert error_ids(errors) == ["shopcore.E005"]
    assert "'nowhere'" in errors[0].msg


@override_settings(
    SHOPCORE={
        "DATABASE_REPLICAS": ["replica"],
        "READ_YOUR_WRITES_SECONDS": 14,
        "REPLICA_MAX_LAG_SECONDS": 10,
        "REPLICA_CHECK_INTERVAL": 5,
    }
)
def test_w003_the_pin_must_outlast_the_tolerated_lag():
    errors = check_replicas(None)
    assert error_ids(errors) == ["shopcore.W003"]
    assert "at least 15" in errors[0].hint


@override_settings(SHOPCORE={"READ_YOUR_WRITES_SECONDS": 1})
def test_w003_is_silent_without_replicas():
    assert check_replicas(None) == []
