"""The catalog's schema docs live on its view classes: subclasses keep and can extend them."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.settings import patched_settings
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.routers import SimpleRouter

from django_shopcore.catalog.views import CategoryViewSet, ProductViewSet
from django_shopcore.core.schema_errors import example, extend_responses, raises
from django_shopcore.openapi.views import schema_settings

pytestmark = pytest.mark.user_model_agnostic


def generate_schema(viewsets):
    """The schema of ``viewsets`` alone, each under its URL prefix."""
    router = SimpleRouter()
    for prefix, viewset in viewsets:
        router.register(prefix, viewset, basename=prefix)
    with patched_settings(schema_settings()):
        return SchemaGenerator(patterns=router.urls).get_schema(request=None, public=True)


class HostProductViewSet(ProductViewSet):
    """A host's own product views, under another name."""


TEAPOT = raises(418, "A teapot.", Teapot=example({"detail": "I'm a teapot."}, "Teapot"))


@extend_schema_view(
    list=extend_schema(summary="List the host's categories"),
    destroy=extend_responses(errors=[TEAPOT]),
)
class HostCategoryViewSet(CategoryViewSet):
    pass


def test_a_renamed_subclass_keeps_the_summaries_descriptions_and_tags():
    paths = generate_schema([("items", HostProductViewSet)])["paths"]
    listing, deleting = paths["/items/"]["get"], paths["/items/{id}/"]["delete"]
    assert listing["summary"] == "List products"
    assert listing["description"].startswith("A page of products, newest first.")
    assert listing["tags"] == ["Products"]
    assert deleting["summary"] == "Delete a product"
    assert deleting["description"] == "Admins only."


def test_a_subclass_keeps_the_errors_its_parent_declares_and_can_add_its_own():
    paths = generate_schema([("kinds", HostCategoryViewSet)])["paths"]
    responses = paths["/kinds/{id}/"]["delete"]["responses"]
    assert "HasProducts" in responses["409"]["content"]["application/json"]["examples"]
    assert responses["418"]["description"] == "A teapot."
    assert paths["/kinds/"]["get"]["summary"] == "List the host's categories"
    assert paths["/kinds/{id}/"]["get"]["summary"] == "Get a category"


def test_extending_a_subclass_leaves_its_parent_as_it_was():
    responses = generate_schema([("categories", CategoryViewSet)])["paths"]["/categories/{id}/"][
        "delete"
    ]["responses"]
    assert "418" not in responses
    assert "HasProducts" in responses["409"]["content"]["application/json"]["examples"]


SPOUT = ResolvedComponent(
    name="Spout",
    type=ResolvedComponent.SCHEMA,
    object="tests.Spout",
    schema={"type": "object", "properties": {"spout": {"type": "string"}}, "required": ["spout"]},
)


@extend_schema_view(
    destroy=extend_responses(
        errors=[
            raises(418, "A teapot.", schema=SPOUT, Spout=example({"spout": "hot"}, "Hot")),
            raises(409, "Still hot.", schema=SPOUT, Hot=example({"spout": "hot"}, "Hot")),
        ]
    ),
)
class SpoutCategoryViewSet(CategoryViewSet):
    pass


def test_an_error_documents_the_components_its_bodies_follow():
    schema = generate_schema([("kinds", SpoutCategoryViewSet)])
    responses = schema["paths"]["/kinds/{id}/"]["delete"]["responses"]

    def body_schema(status):
        return responses[status]["content"]["application/json"]["schema"]

    assert body_schema("418") == {"$ref": "#/components/schemas/Spout"}
    # Added to a status the view already documents: either body.
    assert body_schema("409") == {
        "anyOf": [{"$ref": "#/components/schemas/Error"}, {"$ref": "#/components/schemas/Spout"}]
    }
    assert {"HasProducts", "Hot"} <= set(
        responses["409"]["content"]["application/json"]["examples"]
    )
    assert schema["components"]["schemas"]["Spout"]["required"] == ["spout"]
