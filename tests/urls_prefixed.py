"""The whole API mounted under ``shop/v1/`` instead of ``api/`` (tests/core/test_urls.py)."""

from django.urls import include, path

urlpatterns = [path("shop/v1/", include("django_shopcore.urls"))]
