"""System checks of what the accounts app relies on: simplejwt's blacklist app, the reset URL."""

from django.core.checks import Error, Tags, Warning, register


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
def check_password_reset_url(app_configs, **kwargs):
    """Reset e-mails link to SHOPCORE['PASSWORD_RESET_URL'], which must hold {uid} and {token}."""
    from ..core.settings import shopcore_settings

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
