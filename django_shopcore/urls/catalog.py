"""Catalog routes: ``categories/`` and ``products/``."""

app_name = "shopcore_catalog"

urlpatterns = []
