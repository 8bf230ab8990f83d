"""Each part of the API mounted on its own, under a prefix of its own (tests/core/test_urls.py)."""

from django.urls import include, path

urlpatterns = [
    path("store/", include("django_shopcore.catalog.urls")),
    path("accounts/", include("django_shopcore.accounts.urls")),
    path("reference/", include("django_shopcore.openapi.urls")),
]
