"""The whole API: ``path("api/", include("django_shopcore.urls"))``.

Each part can also be mounted on its own; every part has its own namespace:
``shopcore_catalog``, ``shopcore_auth`` and ``shopcore_docs``.
"""

from django.urls import include, path

urlpatterns = [
    path("", include("django_shopcore.urls.catalog")),
    path("", include("django_shopcore.urls.auth")),
    path("", include("django_shopcore.urls.docs")),
]
