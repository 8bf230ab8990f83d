"""OpenAPI schema, Swagger UI and ReDoc, with assets served locally by the sidecar."""

from django.urls import path

from .views import ShopcoreRedocView, ShopcoreSchemaView, ShopcoreSwaggerView

app_name = "shopcore_docs"

urlpatterns = [
    path("schema/", ShopcoreSchemaView.as_view(), name="schema"),
    path("docs/", ShopcoreSwaggerView.as_view(), name="swagger-ui"),
    path("redoc/", ShopcoreRedocView.as_view(), name="redoc"),
]
