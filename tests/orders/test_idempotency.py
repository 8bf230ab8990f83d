"""Idempotency-Key on checkout: one answer per user and key, replayed; bad keys refused."""

import pytest

from django_shopcore.carts.models import CartItem
from django_shopcore.catalog.models import ProductVariant
from django_shopcore.orders.models import IdempotencyKey, Order

from ..conftest import bearer_client
from ..factories import UserFactory
from .helpers import cart_of, checkout, variant_with

pytestmark = pytest.mark.django_db


def test_the_same_key_and_body_replay_the_same_answer(user, user_client):
    cart = cart_of(user, [(variant_with(stock=5), 2)])
    first = checkout(user_client, cart, headers={"Idempotency-Key": "k-1"})
    again = checkout(user_client, cart, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Order.objects.count() == 1
    assert ProductVariant.objects.get().stock == 3


def test_a_different_body_with_the_key_is_a_422(user, user_client):
    cart = cart_of(user, [(variant_with(), 1)])
    checkout(user_client, cart, headers={"Idempotency-Key": "k-1"})
    response = checkout(
        user_client, cart, headers={"Idempotency-Key": "k-1"}, expected_total="1.00"
    )
    assert response.status_code == 422
    assert Order.objects.count() == 1


def test_keys_are_per_user(user, user_client):
    other = UserFactory()
    key = {"Idempotency-Key": "k"}
    checkout(user_client, cart_of(user, [(variant_with(), 1)]), headers=key)
    response = checkout(bearer_client(other), cart_of(other, [(variant_with(), 1)]), headers=key)
    assert response.status_code == 201 and Order.objects.count() == 2


def test_a_conflict_is_an_answer_too(user, user_client):
    cart = cart_of(user, [(variant_with(stock=1), 2)])
    first = checkout(user_client, cart, headers={"Idempotency-Key": "k"})
    # The answer is stored; the checkout itself rolled back (the cart is still there).
    assert IdempotencyKey.objects.get().response_status == 409
    assert CartItem.objects.filter(cart=cart).exists()
    ProductVariant.objects.update(stock=5)
    again = checkout(user_client, cart, headers={"Idempotency-Key": "k"})
    assert first.status_code == again.status_code == 409
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "a b", "a\tb"])
def test_bad_keys_are_a_400_naming_the_header_and_change_nothing(user, user_client, key):
    variant = variant_with(stock=5)
    cart = cart_of(user, [(variant, 1)])
    response = checkout(user_client, cart, headers={"Idempotency-Key": key})
    assert response.status_code == 400 and "Idempotency-Key" in response.json()
    variant.refresh_from_db()
    assert variant.stock == 5
    assert not Order.objects.exists() and not IdempotencyKey.objects.exists()


def test_a_255_character_key_is_accepted(user, user_client):
    cart = cart_of(user, [(variant_with(), 1)])
    response = checkout(user_client, cart, headers={"Idempotency-Key": "k" * 255})
    assert response.status_code == 201


@pytest.mark.parametrize("lines", [1, 5])
def test_a_keyed_checkout_and_its_replay_take_constant_queries(
    user, user_client, django_assert_num_queries, lines
):
    cart = cart_of(user, [(variant_with(), 1) for _ in range(lines)])
    key = {"Idempotency-Key": "k"}
    # The checkout's 13, the key's INSERT, the savepoint around the checkout
    # (and its release), the answer's UPDATE.
    with django_assert_num_queries(17):
        first = checkout(user_client, cart, headers=key)
    # The user; in a savepoint: the INSERT that inserts nothing, the stored answer.
    with django_assert_num_queries(5):
        again = checkout(user_client, cart, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
