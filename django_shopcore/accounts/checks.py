"""System checks of what the accounts app relies on: simplejwt's blacklist app and signing
key, the password reset URL."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

# The shortest HMAC key each algorithm's hash allows (RFC 7518, section 3.2), in bytes.
HMAC_MIN_KEY_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}


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


@register(Tags.security)
def check_signing_key_length(app_configs, **kwargs):
    """An HMAC key shorter than its hash is guessable offline from any one token."""
    jwt_settings = getattr(settings, "SIMPLE_JWT", {})
    algorithm = jwt_settings.get("ALGORITHM", "HS256")
    min_bytes = HMAC_MIN_KEY_BYTES.get(algorithm)
    if min_bytes is None:  # An asymmetric key: its length is the key pair's business.
        return []
    # simplejwt signs with SECRET_KEY when SIGNING_KEY is not set.
    key = jwt_settings.get("SIGNING_KEY", settings.SECRET_KEY)
    key_bytes = len(key.encode() if isinstance(key, str) else key)
    if key_bytes >= min_bytes:
        return []
    source = "SIMPLE_JWT['SIGNING_KEY']" if "SIGNING_KEY" in jwt_settings else "SECRET_KEY"
    return [
        Warning(
            f"The JWT signing key ({source}) is {key_bytes} bytes long; {algorithm} needs at "
            f"least {min_bytes}: a shorter key can be brute-forced from any issued token.",
            hint=f"Set {source} to a random value of at least {min_bytes} bytes, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(64))'.",
            id="shopcore.W003",
        )
    ]


@register(Tags.security)
def check_password_reset_url(app_configs, **kwargs):
    """Reset e-mails link to SHOPCORE['PASSWORD_RESET_URL'], which must hold {uid} and {token}."""
    from ..core.settings import setting_is_a_dict, shopcore_settings

    if not setting_is_a_dict():
        return []  # shopcore.E002 says why.
    template = shopcore_settings.PASSWORD_RESET_URL
    if template is None:
        return [
            Warning(
                "SHOPCORE['PASSWORD_RESET_URL'] is not set: password reset e-mails give "
                "the uid and token as text instead of a link.",
                hint="Set it to your frontend's reset page, holding {uid} and {token}, e.g. "
                "'https://shop.example.com/reset-password/{uid}/{token}/'.",
                id="shopcore.W011",
            )
        ]
    if not isinstance(template, str) or "{uid}" not in template or "{token}" not in template:
        return [
            Error(
                "SHOPCORE['PASSWORD_RESET_URL'] must be a string holding {uid} and {token}.",
                hint="e.g. 'https://shop.example.com/reset-password/{uid}/{token}/'.",
                id="shopcore.E011",
            )
        ]
    return []
