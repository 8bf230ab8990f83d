"""The accounts app: JWT login, refresh-token families, profiles and user management."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "django_shopcore.accounts"
    label = "shopcore_accounts"
    verbose_name = "Shop accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported for their side effects: registering the system checks and
        # the Bearer scheme's drf-spectacular extension.
        from . import authentication, checks  # noqa: F401
