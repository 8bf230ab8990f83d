"""Django application configuration for django-shopcore."""

from django.apps import AppConfig


class ShopcoreConfig(AppConfig):
    name = "django_shopcore"
    label = "shopcore"
    verbose_name = "Shop core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported for its side effect: registering the system checks.
        from . import checks  # noqa: F401
        from .cache import connect_signals

        # Catalog writes invalidate the cached reads.
        connect_signals()
