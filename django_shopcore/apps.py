"""The base app: the SHOPCORE settings' checks and the docs' templates; no models."""

from django.apps import AppConfig


class ShopcoreConfig(AppConfig):
    name = "django_shopcore"
    label = "shopcore"
    verbose_name = "Shop core"

    def ready(self):
        # Imported for its side effect: registering the system checks.
        from .core import checks  # noqa: F401
