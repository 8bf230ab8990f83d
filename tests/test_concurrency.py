"""Concurrent stock writers on PostgreSQL: real threads, one database connection each."""

import threading

import pytest
from django.db import connection, connections

from django_shopcore.services import InsufficientStock, decrement_stock, increment_stock

from .factories import ProductFactory

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


def test_concurrent_decrements_lose_no_update():
    product = ProductFactory(stock=100)
    results, errors = run_concurrently(lambda i: decrement_stock(product.pk, 3))
    assert errors == [None] * WRITERS
    assert stock_of(product) == 100 - 3 * WRITERS
    # Every writer saw a distinct stock level: each decrement applied exactly once.
    assert sorted(results) == list(range(100 - 3 * WRITERS, 100, 3))


def test_concurrent_decrements_never_drive_stock_negative():
    product = ProductFactory(stock=10)
    results, errors = run_concurrently(lambda i: decrement_stock(product.pk, 3))
    succeeded = [result for result in results if result is not None]
    refused = [error for error in errors if error is not None]
    # Three units fit three times into ten; everyone else is refused with a 409.
    assert len(succeeded) == 3
    assert len(refused) == WRITERS - 3
    assert all(isinstance(error, InsufficientStock) for error in refused)
    assert stock_of(product) == 1


def test_concurrent_increments_and_decrements_balance():
    product = ProductFactory(stock=50)

    def task(index):
        return (increment_stock if index % 2 else decrement_stock)(product.pk, 5)

    _, errors = run_concurrently(task)
    assert errors == [None] * WRITERS
    assert stock_of(product) == 50
