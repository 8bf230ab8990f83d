"""The account views' schema docs live on their classes: subclasses keep them."""

import pytest
from django.urls import path
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import patched_settings

from django_shopcore.accounts.views import LoginView, UserViewSet
from django_shopcore.openapi.views import schema_settings

pytestmark = pytest.mark.user_model_agnostic


def generate_schema(patterns):
    with patched_settings(schema_settings()):
        return SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)


class HostLoginView(LoginView):
    pass


class HostUserViewSet(UserViewSet):
    pass


def test_a_plain_view_subclass_keeps_its_docs_success_description_and_errors():
    operation = generate_schema([path("sign-in/", HostLoginView.as_view())])["paths"]["/sign-in/"][
        "post"
    ]
    assert operation["summary"] == "Log in"
    assert operation["tags"] == ["Auth"]
    assert operation["responses"]["200"]["description"] == "The token pair."
    examples = operation["responses"]["401"]["content"]["application/json"]["examples"]
    assert set(examples) == {"BadCredentials"}


def test_a_user_viewset_subclass_keeps_the_superuser_and_own_account_errors():
    detail = HostUserViewSet.as_view({"patch": "partial_update", "delete": "destroy"})
    operations = generate_schema([path("people/<int:pk>/", detail)])["paths"]["/people/{id}/"]
    patch_examples = operations["patch"]["responses"]["403"]["content"]["application/json"]
    delete_responses = operations["delete"]["responses"]
    assert set(patch_examples["examples"]) == {"PermissionDenied", "SuperuserOnly", "GrantOnly"}
    assert "SuperuserOnly" in delete_responses["403"]["content"]["application/json"]["examples"]
    assert "OwnAccount" in delete_responses["409"]["content"]["application/json"]["examples"]
    assert operations["delete"]["tags"] == ["Users"]
