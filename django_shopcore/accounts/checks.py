"""System checks of what the accounts app relies on: simplejwt's blacklist app."""

from django.core.checks import Error, Tags, register


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
