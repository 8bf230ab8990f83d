"""The test URLconf mounts the API where the example project does."""

from django.urls import include, path

urlpatterns = [path("api/", include("django_shopcore.urls"))]
