"""System checks that catch a misconfigured ``SHOPCORE`` or simplejwt at start-up."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from .settings import DEFAULTS, IMPORT_STRINGS, SETTING_NAME, perform_import


@register(Tags.compatibility)
def check_shopcore_setting(app_configs, **kwargs):
    user_settings = getattr(settings, SETTING_NAME, {})
    if not isinstance(user_settings, dict):
        return [
            Error(
                f"{SETTING_NAME} must be a dict, not {type(user_settings).__name__}.",
                id="shopcore.E002",
            )
        ]
    errors = [
        Error(
            f"Unknown key {key!r} in the {SETTING_NAME} setting.",
            hint=f"Valid keys are: {', '.join(sorted(DEFAULTS))}.",
            obj=SETTING_NAME,
            id="shopcore.E001",
        )
        for key in sorted(set(user_settings) - set(DEFAULTS))
    ]
    for key in sorted(IMPORT_STRINGS & set(user_settings)):
        try:
            perform_import(user_settings[key], key)
        except ImportError as exc:
            errors.append(Error(str(exc), obj=SETTING_NAME, id="shopcore.E003"))
    return errors


@register(Tags.security)
def check_refresh_rotation_blacklist(app_configs, **kwargs):
    """Rotation, reuse detection and logout all blacklist refresh tokens.

    Without simplejwt's blacklist app, simplejwt would silently keep rotated
    and logged-out refresh tokens valid, so shopcore refuses to start.
    """
    from django.apps import apps

    if apps.is_installed("rest_framework_simplejwt.token_blacklist"):
        return []
    return [
        Error(
            "'rest_framework_simplejwt.token_blacklist' is not installed: django-shopcore "
            "rotates refresh tokens and blacklists the used ones, detects their reuse and "
            "logs out by blacklisting; without it rotated and logged-out refresh tokens "
            "would stay valid.",
            hint="Add 'rest_framework_simplejwt.token_blacklist' to INSTALLED_APPS and run "
            "migrate.",
            id="shopcore.E004",
        )
    ]


@register(Tags.caches)
def check_response_cache_is_shared(app_configs, **kwargs):
    """A per-process cache would serve other workers' stale catalog responses."""
    from django.core.cache import caches

    from .cache import is_shared
    from .settings import shopcore_settings

    if shopcore_settings.CACHE_RESPONSES and not is_shared(caches[shopcore_settings.CACHE_ALIAS]):
        return [
            Warning(
                f"SHOPCORE['CACHE_RESPONSES'] is on but the {shopcore_settings.CACHE_ALIAS!r} "
                "cache is local to each process: a write seen by one worker leaves the "
                "others serving stale responses.",
                hint="Point SHOPCORE['CACHE_ALIAS'] at a shared cache such as django-redis.",
                id="shopcore.W001",
            )
        ]
    return []


@register(Tags.compatibility)
def check_schema_class(app_configs, **kwargs):
    """drf-spectacular cannot describe our views from DRF's own schema class."""
    from drf_spectacular.openapi import AutoSchema
    from rest_framework.settings import api_settings

    if not issubclass(api_settings.DEFAULT_SCHEMA_CLASS, AutoSchema):
        return [
            Warning(
                "REST_FRAMEWORK['DEFAULT_SCHEMA_CLASS'] is not drf-spectacular's AutoSchema: "
                "the shopcore schema view (schema/) will fail.",
                hint="Set REST_FRAMEWORK['DEFAULT_SCHEMA_CLASS'] = "
                "'drf_spectacular.openapi.AutoSchema'.",
                id="shopcore.W002",
            )
        ]
    return []
