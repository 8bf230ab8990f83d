"""Each part of the API mounted on its own, under a prefix of its own (tests/test_urls.py)."""

from django.urls import include, path

urlpatterns = [
    path("store/", include("django_shopcore.urls.catalog")),
    path("accounts/", include("django_shopcore.urls.auth")),
    path("reference/", include("django_shopcore.urls.docs")),
]
