"""System checks of the ``SHOPCORE`` setting and of what every shopcore app relies on."""

from typing import cast

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from .currencies import CURRENCY_CODES
from .settings import (
    DEFAULTS,
    IMPORT_STRINGS,
    SETTING_NAME,
    perform_import,
    setting_is_a_dict,
    shopcore_settings,
)


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


@register(Tags.caches)
def check_cache_alias(app_configs, **kwargs):
    """Category subtrees and cached responses go to CACHE_ALIAS: it must name a cache."""
    if not setting_is_a_dict():
        return []  # shopcore.E002 says why.
    alias = shopcore_settings.CACHE_ALIAS
    if alias in settings.CACHES:
        return []
    return [
        Error(
            f"SHOPCORE['CACHE_ALIAS'] is {alias!r}, which names no cache in CACHES.",
            hint=f"Use one of {', '.join(map(repr, sorted(settings.CACHES)))}, or add "
            f"{alias!r} to CACHES.",
            obj=SETTING_NAME,
            id="shopcore.E006",
        )
    ]


@register(Tags.compatibility)
def check_currency(app_configs, **kwargs):
    """``CURRENCY`` must be an active ISO 4217 code, in capitals as the standard writes it."""
    if not setting_is_a_dict():
        return []  # shopcore.E002 says why.
    currency = shopcore_settings.CURRENCY
    if isinstance(currency, str) and currency in CURRENCY_CODES:
        return []
    return [
        Error(
            f"{SETTING_NAME}['CURRENCY'] is {currency!r}, not an active ISO 4217 currency code.",
            hint="Use a three-letter code such as 'USD', 'EUR' or 'JPY'.",
            obj=SETTING_NAME,
            id="shopcore.E005",
        )
    ]


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


@register(Tags.security)
def check_trusted_proxies(app_configs, **kwargs):
    """The throttles' client address depends on it: a bad value would fail every request."""
    if not setting_is_a_dict():
        return []  # shopcore.E002 says why.
    proxies = shopcore_settings.TRUSTED_PROXIES
    if isinstance(proxies, int) and not isinstance(proxies, bool) and proxies >= 0:
        return []
    return [
        Error(
            f"{SETTING_NAME}['TRUSTED_PROXIES'] must be a whole number >= 0, not {proxies!r}.",
            hint="0 when no proxy is in front of the server, else how many append to "
            "X-Forwarded-For.",
            id="shopcore.E012",
        )
    ]


@register(Tags.compatibility)
def check_replicas(app_configs, **kwargs):
    """The replica aliases exist, and the read-your-writes pin outlasts the tolerated lag."""
    if not setting_is_a_dict():
        return []  # shopcore.E002 says why.
    replicas = shopcore_settings.DATABASE_REPLICAS
    errors: list[CheckMessage] = [
        Error(
            f"{SETTING_NAME}['DATABASE_REPLICAS'] names {alias!r}, which is not in DATABASES.",
            obj=SETTING_NAME,
            id="shopcore.E007",
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
                id="shopcore.W004",
            )
        )
    return errors
