"""The cart endpoints: access by id and owner, line writes, limits and query counts."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from django_shopcore.carts import lines
from django_shopcore.carts.models import Cart, CartItem

from ..conftest import bearer_client
from ..factories import ProductFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db

# A line write's queries (on PostgreSQL the cart's UPDATE also turns the flush wait off).
LINE_WRITE_QUERIES = 6


def variant_with(stock=10, price="19.99", **kwargs):
    return ProductFactory(stock=stock, price=Decimal(price), **kwargs).variants.get()


def new_cart(client):
    response = client.post("/api/carts/", format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def add(client, cart_id, variant_id, quantity=1):
    body = {"variant": variant_id, "quantity": quantity}
    return client.post(f"/api/carts/{cart_id}/items/", body, format="json")


def test_an_anonymous_cart_is_created_empty_with_an_unguessable_id(api_client):
    response = api_client.post("/api/carts/", format="json")
    assert response.status_code == 201
    body = response.json()
    assert uuid.UUID(body["id"]).version == 4
    assert body["items"] == [] and body["subtotal"] == "0.00" and body["currency"] == "USD"
    assert Cart.objects.get().owner is None


def test_a_signed_in_callers_cart_belongs_to_them(user, user_client):
    new_cart(user_client)
    assert Cart.objects.get().owner == user


def test_adding_shows_the_line_at_the_current_price(api_client):
    variant = variant_with(price="2.50")
    cart_id = new_cart(api_client)
    response = add(api_client, cart_id, variant.pk, 3)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["items"] == [
        {
            "id": CartItem.objects.get().pk,
            "variant": variant.pk,
            "sku": variant.sku,
            "product": variant.product_id,
            "name": variant.product.name,
            "unit_price": "2.50",
            "quantity": 3,
            "line_total": "7.50",
        }
    ]
    assert body["subtotal"] == "7.50"


def test_adding_a_variant_again_adds_to_its_line(api_client):
    variant = variant_with()
    cart_id = new_cart(api_client)
    add(api_client, cart_id, variant.pk, 2)
    response = add(api_client, cart_id, variant.pk, 3)
    assert [item["quantity"] for item in response.json()["items"]] == [5]


def test_patch_changes_and_delete_removes_a_line(api_client):
    variant = variant_with()
    cart_id = new_cart(api_client)
    item_id = add(api_client, cart_id, variant.pk).json()["items"][0]["id"]
    url = f"/api/carts/{cart_id}/items/{item_id}/"
    response = api_client.patch(url, {"quantity": 4}, format="json")
    assert response.status_code == 200 and response.json()["items"][0]["quantity"] == 4
    response = api_client.delete(url)
    assert response.status_code == 200 and response.json()["items"] == []


def test_another_carts_item_is_a_404(api_client):
    variant = variant_with()
    cart_id, other_id = new_cart(api_client), new_cart(api_client)
    item_id = add(api_client, other_id, variant.pk).json()["items"][0]["id"]
    response = api_client.patch(
        f"/api/carts/{cart_id}/items/{item_id}/", {"quantity": 2}, format="json"
    )
    assert response.status_code == 404


def test_delete_removes_the_cart(api_client):
    cart_id = new_cart(api_client)
    assert api_client.delete(f"/api/carts/{cart_id}/").status_code == 204
    assert api_client.get(f"/api/carts/{cart_id}/").status_code == 404


def test_someone_elses_owned_cart_is_a_404(user_client, api_client):
    cart_id = new_cart(user_client)
    stranger = bearer_client(UserFactory())
    for client in (api_client, stranger):
        assert client.get(f"/api/carts/{cart_id}/").status_code == 404
        assert add(client, cart_id, variant_with().pk).status_code == 404
        assert client.delete(f"/api/carts/{cart_id}/").status_code == 404
    assert user_client.get(f"/api/carts/{cart_id}/").status_code == 200


def test_whoever_holds_an_unowned_carts_id_may_use_it(api_client, user_client):
    cart_id = new_cart(api_client)
    assert user_client.get(f"/api/carts/{cart_id}/").status_code == 200


@pytest.mark.parametrize(
    "cart_id", ["not-a-uuid", "12345", str(uuid.uuid4())[:-1], str(uuid.uuid4())]
)
def test_malformed_or_unknown_cart_ids_are_a_404(api_client, cart_id):
    assert api_client.get(f"/api/carts/{cart_id}/").status_code == 404


@pytest.mark.parametrize("quantity", [0, -1, 10**30, 1.5, 2.0, "2", True, None, [], {}])
def test_bad_quantities_are_a_400_naming_quantity_and_change_nothing(api_client, quantity):
    variant = variant_with()
    cart_id = new_cart(api_client)
    response = add(api_client, cart_id, variant.pk, quantity)
    assert response.status_code == 400
    assert "quantity" in response.json()
    assert not CartItem.objects.exists()


def test_a_quantity_over_the_maximum_is_a_400(api_client, settings):
    settings.SHOPCORE = {"CART_MAX_QUANTITY": 5}
    variant = variant_with(stock=100)
    cart_id = new_cart(api_client)
    assert add(api_client, cart_id, variant.pk, 6).json().keys() == {"quantity"}
    add(api_client, cart_id, variant.pk, 5)
    # Adding to a line counts its total.
    response = add(api_client, cart_id, variant.pk, 1)
    assert response.status_code == 400 and "quantity" in response.json()
    assert CartItem.objects.get().quantity == 5


@pytest.mark.parametrize("variant", [None, "x", 1.5, "999999", 10**30, -1, True])
def test_unknown_or_malformed_variants_are_a_400_naming_variant(api_client, variant):
    cart_id = new_cart(api_client)
    response = add(api_client, cart_id, variant, 1)
    assert response.status_code == 400 and "variant" in response.json()


def test_inactive_variants_and_products_are_a_400_naming_variant(api_client):
    inactive_variant = VariantFactory(is_active=False)
    inactive_product = variant_with(is_active=False)
    cart_id = new_cart(api_client)
    for variant in (inactive_variant, inactive_product):
        response = add(api_client, cart_id, variant.pk, 1)
        assert response.status_code == 400 and "variant" in response.json()
    assert not CartItem.objects.exists()


def test_more_than_the_stock_is_a_409_with_available(api_client):
    variant = variant_with(stock=3)
    cart_id = new_cart(api_client)
    response = add(api_client, cart_id, variant.pk, 4)
    assert response.status_code == 409
    assert response.json()["available"] == 3
    add(api_client, cart_id, variant.pk, 2)
    assert add(api_client, cart_id, variant.pk, 2).status_code == 409
    item_id = CartItem.objects.get().pk
    response = api_client.patch(
        f"/api/carts/{cart_id}/items/{item_id}/", {"quantity": 4}, format="json"
    )
    assert response.status_code == 409 and response.json()["available"] == 3
    assert CartItem.objects.get().quantity == 2


def test_a_cart_holds_at_most_cart_max_lines(api_client, settings):
    # The same rule refuses a 10,000-line cart at its 101st line by default.
    settings.SHOPCORE = {"CART_MAX_LINES": 3}
    cart_id = new_cart(api_client)
    for _ in range(3):
        assert add(api_client, cart_id, variant_with().pk).status_code == 201
    response = add(api_client, cart_id, variant_with().pk)
    assert response.status_code == 400 and "items" in response.json()
    assert CartItem.objects.count() == 3


def fill(cart_id, lines):
    cart = Cart.objects.get(pk=cart_id)
    CartItem.objects.bulk_create(
        CartItem(cart=cart, variant=variant_with(), quantity=1) for _ in range(lines)
    )


@pytest.mark.parametrize("lines", [1, 20])
def test_reading_a_cart_takes_two_queries_whatever_its_lines(
    api_client, django_assert_num_queries, lines
):
    cart_id = new_cart(api_client)
    fill(cart_id, lines)
    with django_assert_num_queries(2):
        response = api_client.get(f"/api/carts/{cart_id}/")
    assert len(response.json()["items"]) == lines


@pytest.mark.parametrize("lines", [1, 20])
def test_adding_a_line_takes_constant_queries(api_client, django_assert_num_queries, lines):
    cart_id = new_cart(api_client)
    fill(cart_id, lines - 1)
    variant = variant_with()
    # The variant (with its product), then in a savepoint: the cart's lock and
    # touch (one UPDATE), its lines, the insert. The answer is built from them.
    with django_assert_num_queries(LINE_WRITE_QUERIES):
        response = add(api_client, cart_id, variant.pk)
    assert len(response.json()["items"]) == lines
    assert response.json() == api_client.get(f"/api/carts/{cart_id}/").json()


@pytest.mark.parametrize("method", ["add", "patch", "delete"])
def test_a_line_write_answers_with_the_cart_as_read_afterwards(api_client, method):
    cart_id = new_cart(api_client)
    fill(cart_id, 2)
    item = CartItem.objects.filter(cart_id=cart_id).order_by("id").first()
    if method == "add":
        response = add(api_client, cart_id, item.variant_id, 2)
    elif method == "patch":
        response = api_client.patch(
            f"/api/carts/{cart_id}/items/{item.pk}/", {"quantity": 3}, format="json"
        )
    else:
        response = api_client.delete(f"/api/carts/{cart_id}/items/{item.pk}/")
    assert response.status_code in (200, 201), response.content
    assert response.json() == api_client.get(f"/api/carts/{cart_id}/").json()


def test_adding_to_an_existing_line_takes_as_many_queries(api_client, django_assert_num_queries):
    cart_id = new_cart(api_client)
    variant = variant_with()
    add(api_client, cart_id, variant.pk)
    # The same, the line's UPDATE instead of the insert.
    with django_assert_num_queries(LINE_WRITE_QUERIES):
        response = add(api_client, cart_id, variant.pk)
    assert [item["quantity"] for item in response.json()["items"]] == [2]


def test_a_missing_cart_or_line_is_a_404_and_touches_nothing(api_client):
    cart_id = new_cart(api_client)
    before = Cart.objects.get(pk=cart_id).updated_at
    response = api_client.delete(f"/api/carts/{cart_id}/items/123456/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No CartItem matches the given query."}
    assert Cart.objects.get(pk=cart_id).updated_at == before
    response = add(api_client, str(uuid.uuid4()), variant_with().pk)
    assert response.status_code == 404
    assert response.json() == {"detail": "No Cart matches the given query."}


def test_expired_carts_are_cleared_by_the_command(api_client, settings):
    settings.SHOPCORE = {"CART_TTL": 3600}
    stale, fresh = new_cart(api_client), new_cart(api_client)
    add(api_client, stale, variant_with().pk)
    Cart.objects.filter(pk=stale).update(updated_at=timezone.now() - timedelta(hours=2))
    call_command("shopcore_clear_expired_carts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert list(Cart.objects.values_list("pk", flat=True)) == [uuid.UUID(fresh)]
    assert not CartItem.objects.exists()


def test_item_writes_postpone_expiry(api_client):
    cart_id = new_cart(api_client)
    Cart.objects.filter(pk=cart_id).update(updated_at=timezone.now() - timedelta(days=30))
    add(api_client, cart_id, variant_with().pk)
    assert Cart.objects.get(pk=cart_id).updated_at > timezone.now() - timedelta(minutes=1)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
def test_a_line_write_does_not_wait_for_the_flush(api_client, django_assert_num_queries):
    cart_id, variant = new_cart(api_client), variant_with()
    with django_assert_num_queries(LINE_WRITE_QUERIES) as queries:
        add(api_client, cart_id, variant.pk)
    # The cart's lock (after the variant and the savepoint) turns it off, as SET LOCAL.
    lock = queries.captured_queries[2]["sql"]
    assert lock.startswith('UPDATE "shopcore_cart"')
    assert lock.endswith("set_config('synchronous_commit', 'off', true)")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
@pytest.mark.django_db(transaction=True)
def test_the_flush_wait_is_off_for_the_line_writes_transaction_only(api_client):
    cart_id = new_cart(api_client)

    def synchronous_commit():
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    with transaction.atomic():
        assert lines.lock_and_touch(uuid.UUID(cart_id), None)["id"] == uuid.UUID(cart_id)
        assert synchronous_commit() == "off"
    assert synchronous_commit() == "on"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
def test_cart_synchronous_commit_makes_line_writes_wait_for_the_flush(
    api_client, django_assert_num_queries, settings
):
    settings.SHOPCORE = {"CART_SYNCHRONOUS_COMMIT": True}
    cart_id, variant = new_cart(api_client), variant_with()
    with django_assert_num_queries(LINE_WRITE_QUERIES) as queries:
        add(api_client, cart_id, variant.pk)
    assert not any("synchronous_commit" in query["sql"] for query in queries.captured_queries)
