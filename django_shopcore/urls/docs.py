"""OpenAPI schema, Swagger UI and ReDoc, with assets served locally by the sidecar."""

from django.urls import path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

app_name = "shopcore_docs"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="shopcore_docs:schema"), name="swagger-ui"),
    path("redoc/", SpectacularRedocView.as_view(url_name="shopcore_docs:schema"), name="redoc"),
]
