"""The SHOPCORE settings object: defaults, overrides, dict merging and imports."""

from pathlib import Path

import pytest
from django.test import override_settings
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.serializers import Serializer

from django_shopcore.accounts.authentication import JWTAuthentication
from django_shopcore.core import settings as settings_module
from django_shopcore.core.settings import DEFAULTS, ShopcoreSettings, shopcore_settings
from django_shopcore.core.views import authentication_classes

pytestmark = pytest.mark.user_model_agnostic


@override_settings(SHOPCORE={})
def test_defaults_apply_when_shopcore_is_empty():
    assert shopcore_settings.PAGE_SIZE == DEFAULTS["PAGE_SIZE"] == 20
    assert shopcore_settings.MAX_PAGE_SIZE == 100
    assert DEFAULTS["THROTTLE_RATES"] == shopcore_settings.THROTTLE_RATES


def test_defaults_apply_without_a_shopcore_setting(settings):
    del settings.SHOPCORE
    assert shopcore_settings.PAGE_SIZE == 20


def test_override_settings_reloads_the_same_object_in_place():
    before = shopcore_settings.PAGE_SIZE
    with override_settings(SHOPCORE={"PAGE_SIZE": 7}):
        # Modules that imported the object earlier see the new value.
        assert settings_module.shopcore_settings is shopcore_settings
        assert shopcore_settings.PAGE_SIZE == 7
    assert before == shopcore_settings.PAGE_SIZE


@override_settings(SHOPCORE={"THROTTLE_RATES": {"login": "1/min"}})
def test_dict_settings_merge_with_the_defaults_key_by_key():
    assert {**DEFAULTS["THROTTLE_RATES"], "login": "1/min"} == shopcore_settings.THROTTLE_RATES


@override_settings(
    SHOPCORE={
        "USER_SERIALIZER": "rest_framework.serializers.Serializer",
        "CATALOG_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    }
)
def test_import_strings_resolve_to_the_objects_they_name():
    assert shopcore_settings.USER_SERIALIZER is Serializer
    assert [IsAuthenticated] == shopcore_settings.CATALOG_PERMISSION_CLASSES
    assert [IsAdminUser] == shopcore_settings.USER_ADMIN_PERMISSION_CLASSES


def test_views_authenticate_with_the_accounts_jwt_by_default():
    assert shopcore_settings.AUTHENTICATION_CLASSES is None
    assert authentication_classes() == [JWTAuthentication]


@override_settings(
    SHOPCORE={"AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"]}
)
def test_authentication_classes_name_the_authenticators():
    assert authentication_classes() == [SessionAuthentication]


@override_settings(SHOPCORE={"USER_SERIALIZER": "no_such_module.Serializer"})
def test_an_unimportable_string_names_the_setting():
    with pytest.raises(ImportError, match=r"'no_such_module\.Serializer'.*'USER_SERIALIZER'"):
        shopcore_settings.USER_SERIALIZER  # noqa: B018


def test_an_unknown_attribute_is_an_error():
    with pytest.raises(AttributeError, match="Invalid SHOPCORE setting: 'PAGE_SIZ'"):
        shopcore_settings.PAGE_SIZ  # noqa: B018


def test_values_are_cached_until_reload():
    fresh = ShopcoreSettings(DEFAULTS, set())
    fresh._user_settings = {"PAGE_SIZE": 3}
    assert fresh.PAGE_SIZE == 3
    fresh._user_settings = {"PAGE_SIZE": 4}
    assert fresh.PAGE_SIZE == 3
    fresh.reload()
    fresh._user_settings = {"PAGE_SIZE": 4}
    assert fresh.PAGE_SIZE == 4


@pytest.mark.parametrize("document", ["README.md", "docs/settings.md"])
def test_every_setting_is_documented(document):
    text = (Path(__file__).resolve().parents[2] / document).read_text()
    assert [key for key in DEFAULTS if f"`{key}`" not in text] == []
