"""Concurrent stock and variant writers on PostgreSQL: real threads, one connection each."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from django_shopcore.catalog.models import Category
from django_shopcore.catalog.stock import InsufficientStock, decrement_stock, increment_stock

from ..conftest import bearer_client
from ..factories import AdminFactory, CategoryFactory, ProductFactory, VariantFactory

WRITERS = 20

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locking between connections needs PostgreSQL (SQLite locks the whole file)",
    ),
]


def run_concurrently(task, count=WRITERS):
    """Run ``task(i)`` in ``count`` threads released together; returns results and errors."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, [None] * count

    def worker(index):
        try:
            barrier.wait()
            results[index] = task(index)
        except Exception as exc:  # the test inspects every outcome
            errors[index] = exc
        finally:
            # Each thread opened its own connection; the test database can't be
            # dropped while one stays open.
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    return results, errors


def stock_of(product):
    product.refresh_from_db()
    return product.stock


def variant_stock_of(variant):
    """The variant's stock, after checking its product's total is the sum of its variants'."""
    variant.refresh_from_db()
    total = sum(variant.product.variants.values_list("stock", flat=True))
    assert stock_of(variant.product) == total
    return variant.stock


def variant_with(stock):
    """The default variant of a new product holding ``stock`` units."""
    return ProductFactory(stock=stock).variants.get()


def test_concurrent_decrements_lose_no_update():
    variant = variant_with(100)
    results, errors = run_concurrently(lambda i: decrement_stock(variant.pk, 3))
    assert errors == [None] * WRITERS
    assert variant_stock_of(variant) == 100 - 3 * WRITERS
    # Every writer saw a distinct stock level: each decrement applied exactly once.
    assert sorted(results) == list(range(100 - 3 * WRITERS, 100, 3))


def test_concurrent_decrements_never_drive_stock_negative():
    variant = variant_with(10)
    results, errors = run_concurrently(lambda i: decrement_stock(variant.pk, 3))
    succeeded = [result for result in results if result is not None]
    refused = [error for error in errors if error is not None]
    # Three units fit three times into ten; everyone else is refused with a 409.
    assert len(succeeded) == 3
    assert len(refused) == WRITERS - 3
    assert all(isinstance(error, InsufficientStock) for error in refused)
    assert variant_stock_of(variant) == 1


def test_concurrent_increments_and_decrements_balance():
    variant = variant_with(50)

    def task(index):
        return (increment_stock if index % 2 else decrement_stock)(variant.pk, 5)

    _, errors = run_concurrently(task)
    assert errors == [None] * WRITERS
    assert variant_stock_of(variant) == 50


def test_concurrent_decrements_of_sibling_variants_keep_the_product_total():
    product = ProductFactory(stock=100)
    variants = [product.variants.get(), VariantFactory(product=product, stock=100)]

    _, errors = run_concurrently(lambda i: decrement_stock(variants[i % 2].pk, 2))

    assert errors == [None] * WRITERS
    assert [variant_stock_of(variant) for variant in variants] == [100 - WRITERS] * 2
    assert stock_of(product) == 200 - 2 * WRITERS


def test_concurrent_deletes_never_remove_the_last_variant():
    admin, product = AdminFactory(), ProductFactory()
    default = product.variants.get()
    variants = [default, *VariantFactory.create_batch(WRITERS - 1, product=product)]

    def task(index):
        url = f"/api/products/{product.pk}/variants/{variants[index].pk}/"
        return bearer_client(admin).delete(url).status_code

    statuses, errors = run_concurrently(task)

    assert errors == [None] * WRITERS
    assert sorted(statuses) == [204] * (WRITERS - 1) + [409]
    assert product.variants.count() == 1


def patch_product(admin, product, body):
    # One client per call: the test client is not meant to be shared between threads.
    response = bearer_client(admin).patch(f"/api/products/{product.pk}/", body, format="json")
    return response.status_code


def test_concurrent_admin_stock_patches_leave_one_written_value():
    admin, product = AdminFactory(), ProductFactory(stock=7)
    written = [index * 10 for index in range(WRITERS)]
    statuses, errors = run_concurrently(
        lambda i: patch_product(admin, product, {"stock": written[i]})
    )
    assert errors == [None] * WRITERS
    assert statuses == [200] * WRITERS
    # The API sets absolute values: the last write wins, whole.
    assert stock_of(product) in written


def test_concurrent_negative_stock_patches_are_refused():
    admin, product = AdminFactory(), ProductFactory(stock=7)
    statuses, errors = run_concurrently(
        lambda i: patch_product(admin, product, {"stock": i - WRITERS // 2})
    )
    assert errors == [None] * WRITERS
    assert statuses.count(400) == WRITERS // 2
    assert stock_of(product) in range(WRITERS // 2)


def test_concurrent_patches_of_different_fields_keep_both():
    admin, product = AdminFactory(), ProductFactory(stock=7, price=Decimal("1.00"))

    def task(index):
        body = {"stock": 100 + index} if index % 2 else {"price": f"{200 + index}.00"}
        return patch_product(admin, product, body)

    statuses, errors = run_concurrently(task)
    assert errors == [None] * WRITERS
    assert statuses == [200] * WRITERS
    product.refresh_from_db()
    # A PATCH of the price must not write back the stock it read, nor the reverse.
    assert product.stock >= 100
    assert product.price >= 200


def test_concurrent_crossed_category_moves_never_make_a_cycle():
    """Moving A under B while B moves under A: each check passes alone; one must lose."""
    admin = AdminFactory()
    pairs = [(CategoryFactory(), CategoryFactory()) for _ in range(WRITERS // 2)]

    def task(index):
        first, second = pairs[index // 2]
        child, parent = (first, second) if index % 2 else (second, first)
        response = bearer_client(admin).patch(
            f"/api/categories/{child.pk}/", {"parent": parent.pk}, format="json"
        )
        return response.status_code

    statuses, errors = run_concurrently(task)
    assert errors == [None] * WRITERS
    for first, second in pairs:
        first.refresh_from_db()
        second.refresh_from_db()
        assert not (first.parent_id == second.pk and second.parent_id == first.pk)
    assert sorted(statuses) == [200] * (WRITERS // 2) + [400] * (WRITERS // 2)


def test_moves_inside_a_moving_subtree_keep_every_path_right():
    """A moves under T while its child D moves under its other child X."""
    admin = AdminFactory()
    cases = []
    for _ in range(WRITERS // 2):
        root, target = CategoryFactory(), CategoryFactory()
        moved, new_parent = CategoryFactory(parent=root), CategoryFactory(parent=root)
        CategoryFactory.create_batch(3, parent=moved)
        cases.append((root, target, moved, new_parent))

    def task(index):
        root, target, moved, new_parent = cases[index // 2]
        child, parent = (root, target) if index % 2 else (moved, new_parent)
        response = bearer_client(admin).patch(
            f"/api/categories/{child.pk}/", {"parent": parent.pk}, format="json"
        )
        return response.status_code

    statuses, errors = run_concurrently(task)
    assert errors == [None] * WRITERS
    assert statuses == [200] * WRITERS
    paths = dict(Category.objects.values_list("pk", "path"))
    for category in Category.objects.all():
        parent_path = paths[category.parent_id] if category.parent_id else "/"
        assert category.path == f"{parent_path}{category.pk}/"


def assert_paths_consistent():
    paths = dict(Category.objects.values_list("pk", "path"))
    for category in Category.objects.all():
        parent_path = paths[category.parent_id] if category.parent_id else "/"
        assert category.path == f"{parent_path}{category.pk}/"


@pytest.mark.parametrize("round_number", range(25))
def test_crossed_moves_under_each_others_children_never_deadlock(round_number):
    """A moves under a child of B while B moves under a child of A: one wins, one gets a 400."""
    admin = AdminFactory()
    first, second = CategoryFactory(), CategoryFactory()
    first_child, second_child = CategoryFactory(parent=first), CategoryFactory(parent=second)
    CategoryFactory.create_batch(2, parent=first_child)
    CategoryFactory.create_batch(2, parent=second_child)
    moves = [(first, second_child), (second, first_child)]

    def task(index):
        child, parent = moves[index]
        response = bearer_client(admin).patch(
            f"/api/categories/{child.pk}/", {"parent": parent.pk}, format="json"
        )
        return response.status_code, response.json()

    results, errors = run_concurrently(task, count=2)
    assert errors == [None, None]
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 400]
    refused = next(body for status, body in results if status == 400)
    # Refused by the serializer's check or, when both passed it, by save() under the lock.
    assert list(refused) == ["parent"]
    assert_paths_consistent()


def test_concurrent_creates_of_one_name_each_get_a_distinct_derived_slug():
    """No client sent a slug, so none may be refused for one."""
    admin = AdminFactory()
    category = CategoryFactory()

    def task(index):
        response = bearer_client(admin).post(
            "/api/products/",
            {"name": "Same Name", "price": "1.00", "category": category.pk},
            format="json",
        )
        return response.status_code, response.json()

    results, errors = run_concurrently(task)
    assert errors == [None] * WRITERS
    assert [status for status, _ in results] == [201] * WRITERS, results
    slugs = {body["slug"] for _, body in results}
    assert slugs == {"same-name", *(f"same-name-{n}" for n in range(2, WRITERS + 1))}
