"""URLs of the example project: the admin and the whole shopcore API under /api/."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("django_shopcore.urls")),
]
