"""Every request body example of the schema is accepted by its endpoint, as Swagger sends it."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.management.color import no_style
from django.db import connection, transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from django_shopcore.accounts.examples import (
    EXAMPLE_PASSWORD,
    RESET_TOKEN_PLACEHOLDER,
    RESET_UID_PLACEHOLDER,
    TOKEN_PLACEHOLDER,
    identity,
)
from django_shopcore.accounts.tokens import RefreshToken
from django_shopcore.carts.examples import EXISTING_VARIANT_ID
from django_shopcore.catalog.examples import EXISTING_CATEGORY_ID
from django_shopcore.catalog.models import Category, Product, ProductImage, ProductVariant
from django_shopcore.orders.examples import CART_PLACEHOLDER

from ..conftest import bearer_client
from ..factories import AdminFactory, CategoryFactory, ProductFactory, UserFactory, VariantFactory
from ..orders.helpers import cart_of, variant_with

pytestmark = [pytest.mark.django_db, pytest.mark.user_model_agnostic]

User = get_user_model()
# The operations that only a signed-in user makes about themselves (as "jane").
OWN_ACCOUNT = {"/api/auth/me/", "/api/auth/password/", "/api/auth/logout/"}
ANONYMOUS = {
    "/api/auth/register/",
    "/api/auth/login/",
    "/api/auth/refresh/",
    "/api/auth/password/reset/",
    "/api/auth/password/reset/confirm/",
    # Carts are anyone's: shopping starts before signing in, with an unowned cart.
    "/api/carts/{id}/items/",
    "/api/carts/{id}/items/{item_id}/",
}
# The operations of a customer (as "jane") on her own objects.
CUSTOMER = {"/api/orders/"}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        response = APIClient().get(reverse("shopcore_docs:schema"), {"format": "json"})
    assert response.status_code == 200
    return response.json()


def body_examples(schema):
    """``(method, path, examples)`` of every operation with a JSON request body."""
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                yield method, path, content["application/json"].get("examples", {})


def create_referenced_category():
    """The category the examples name by id, with the id sequences moved past it."""
    category = CategoryFactory(id=EXISTING_CATEGORY_ID, name="Referenced", slug="referenced")
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Category, Product]):
            cursor.execute(statement)
    return category


def create_referenced_variant():
    """The variant the cart examples name by id: a product's default one, with stock."""
    variant = variant_with(stock=10)
    # No row refers to the new variant yet, so its id can still be the examples' one.
    ProductVariant.objects.filter(pk=variant.pk).update(id=EXISTING_VARIANT_ID)


def jane():
    """The user of the accounts examples, with the examples' password."""
    return User._default_manager.create_user(**identity("jane"), password=EXAMPLE_PASSWORD)


def prepare(path, body):
    """The client and URL for an example of ``path``, its referenced objects created."""
    create_referenced_category()
    if path in ANONYMOUS:
        client = APIClient()
    elif path in OWN_ACCOUNT or path in CUSTOMER:
        client = bearer_client(jane())
    else:
        client = bearer_client(AdminFactory())
    if body.get("refresh") == TOKEN_PLACEHOLDER:
        user = User._default_manager.get(**identity("jane")) if path in OWN_ACCOUNT else jane()
        body["refresh"] = str(RefreshToken.for_user(user))
    elif body.get("token") == RESET_TOKEN_PLACEHOLDER:
        fill_reset_link(body, jane())
    elif path == "/api/auth/login/":
        jane()
    elif body.get("variant") == EXISTING_VARIANT_ID:
        create_referenced_variant()
    elif body.get("cart") == CART_PLACEHOLDER:
        # The customer's own cart with a line: checkout takes its units from stock.
        customer = User._default_manager.get(**identity("jane"))
        body["cart"] = str(cart_of(customer, [(variant_with(stock=10), 1)]).pk)
    return client, fill_ids(path)


def fill_reset_link(body, user):
    """The placeholders of a reset-confirm example replaced as the reset e-mail fills them."""
    assert body["uid"] == RESET_UID_PLACEHOLDER
    body["uid"] = urlsafe_base64_encode(force_bytes(user.pk))
    body["token"] = default_token_generator.make_token(user)


def fill_cart_ids(path):
    """``path`` with its ``{id}`` an unowned cart's and its ``{item_id}`` a line of it."""
    cart = cart_of(lines=[(variant_with(stock=10), 1)])
    return path.replace("{id}", str(cart.pk)).replace("{item_id}", str(cart.items.get().pk))


def fill_ids(path):
    """``path`` with its ``{product_pk}``, ``{id}`` and ``{item_id}`` naming new objects."""
    if path.startswith("/api/carts/{id}/"):
        return fill_cart_ids(path)
    if "{product_pk}" in path:
        product = ProductFactory()
        path = path.replace("{product_pk}", str(product.pk))
    nested = {
        "/variants/{id}/": lambda: VariantFactory(product=product),
        # A row naming a file that is never read: the PATCH only changes alt and position.
        "/images/{id}/": lambda: ProductImage.objects.create(
            product=product, image="shopcore/products/example.png", width=1, height=1
        ),
    }
    targets = {
        "/api/categories/{id}/": lambda: CategoryFactory(),
        "/api/products/{id}/": lambda: ProductFactory(),
        "/api/users/{id}/": lambda: UserFactory(),
    }
    for suffix, make in nested.items():
        if path.endswith(suffix):
            return path.replace("{id}", str(make().pk))
    if path in targets:
        return path.replace("{id}", str(targets[path]().pk))
    return path


def test_every_operation_with_a_request_body_has_an_example(schema):
    operations = body_examples(schema)
    assert [f"{method} {path}" for method, path, examples in operations if not examples] == []


def test_every_request_body_example_is_accepted_by_its_endpoint(schema):
    refused = []
    for method, path, examples in body_examples(schema):
        for name, example in examples.items():
            # Each example on a database of its own making, undone afterwards.
            with transaction.atomic():
                body = dict(example["value"])
                client, url = prepare(path, body)
                response = getattr(client, method)(url, body, format="json")
                if not 200 <= response.status_code < 300:
                    refused.append((method, path, name, response.status_code, response.content))
                transaction.set_rollback(True)
    assert refused == []
