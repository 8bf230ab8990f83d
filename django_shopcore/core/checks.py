"""System checks of the ``SHOPCORE`` setting and of what every shopcore app relies on."""

from typing import cast

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


@register(Tags.compatibility)
def check_schema_class(app_configs, **kwargs):
    """drf-spectacular cannot describe our views from DRF's own schema class."""
    from drf_spectacular.openapi import AutoSchema
    from rest_framework.settings import api_settings

    # A class by now: api_settings imports the dotted path (the stub says str).
    schema_class = cast(type, api_settings.DEFAULT_SCHEMA_CLASS)
    if not issubclass(schema_class, AutoSchema):
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
