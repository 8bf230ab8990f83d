"""System checks of the ``SHOPCORE`` setting and of what every shopcore app relies on."""

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


@register(Tags.compatibility)
def check_replicas(app_configs, **kwargs):
    """The replica aliases exist, and the read-your-writes pin outlasts the tolerated lag."""
    from .settings import shopcore_settings

    replicas = shopcore_settings.DATABASE_REPLICAS
    errors = [
        Error(
            f"{SETTING_NAME}['DATABASE_REPLICAS'] names {alias!r}, which is not in DATABASES.",
            obj=SETTING_NAME,
            id="shopcore.E005",
        )
        for alias in replicas
        if alias not in settings.DATABASES
    ]
    horizon = shopcore_settings.REPLICA_MAX_LAG_SECONDS + shopcore_settings.REPLICA_CHECK_INTERVAL
    if replicas and horizon > shopcore_settings.READ_YOUR_WRITES_SECONDS:
        errors.append(
            Warning(
                f"{SETTING_NAME}['READ_YOUR_WRITES_SECONDS'] is shorter than "
                "REPLICA_MAX_LAG_SECONDS + REPLICA_CHECK_INTERVAL: a user may not see "
                "their own write on a lagging replica.",
                hint=f"Set READ_YOUR_WRITES_SECONDS to at least {horizon}.",
                obj=SETTING_NAME,
                id="shopcore.W003",
            )
        )
    return errors
