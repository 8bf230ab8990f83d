"""The catalog app: the category tree and products."""

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "django_shopcore.catalog"
    label = "shopcore_catalog"
    verbose_name = "Shop catalog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported for their side effects: registering the system checks and
        # the drf-spectacular extensions.
        from . import checks, facet_index, schema  # noqa: F401
        from .cache import connect_signals

        # Catalog writes invalidate the cached reads, and product saves and
        # deletes update the facet index.
        connect_signals()
        facet_index.connect_signals()
