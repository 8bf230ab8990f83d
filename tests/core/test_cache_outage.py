"""The shared cache down or unreachable: the API keeps answering, from the database.

These tests use django-redis against real Redis behaviour: a port where nothing
listens, and a redis-server on port 8159 stopped and started again (skipped only
where the redis-server binary is missing; CI installs it).
"""

import contextlib
import logging
import shutil
import subprocess
import time

import pytest
import redis
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from django_shopcore.accounts.tokens import RefreshToken
from django_shopcore.core import cache as core_cache
from django_shopcore.core.throttling import ShopcoreScopedRateThrottle

from ..conftest import bearer_client
from ..factories import DEFAULT_PASSWORD, AdminFactory, CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

NOTHING_LISTENS = "redis://127.0.0.1:8158/5"
REDIS_PORT = 8159


def redis_caches(location):
    # Short socket timeouts, as a host should set them: a dead Redis costs milliseconds.
    options = {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5}
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": location,
            "OPTIONS": options,
        }
    }


REDIS_DOWN = override_settings(
    CACHES=redis_caches(NOTHING_LISTENS), SHOPCORE={"CACHE_RESPONSES": True}
)


@pytest.fixture(autouse=True)
def forget_outages():
    """Pending bumps and fallback throttle counts are per process: none leak between tests."""
    yield
    core_cache.pending_bumps.clear()
    ShopcoreScopedRateThrottle.cache.fallback.clear()


def cache_warnings(caplog):
    return [
        record
        for record in caplog.records
        if record.name == "django_shopcore.core.cache" and record.levelno == logging.WARNING
    ]


@REDIS_DOWN
def test_catalog_reads_answer_from_the_database(api_client, caplog):
    parent = CategoryFactory()
    child = CategoryFactory(parent=parent)
    product = ProductFactory(category=child)

    products = api_client.get("/api/products/", {"category": parent.pk})
    categories = api_client.get("/api/categories/")
    detail = api_client.get(f"/api/products/{product.pk}/")

    assert products.status_code == 200
    assert [row["id"] for row in products.json()["results"]] == [product.pk]
    assert categories.status_code == 200
    assert detail.status_code == 200
    warnings = cache_warnings(caplog)
    assert warnings
    # Each failure is one record, with the exception.
    assert all(record.exc_info for record in warnings)


@REDIS_DOWN
def test_catalog_writes_succeed(caplog):
    client = bearer_client(AdminFactory())
    category = client.post("/api/categories/", {"name": "Lamps"}, format="json")
    assert category.status_code == 201
    body = {"name": "Lamp", "price": "3.00", "category": category.json()["id"]}
    product = client.post("/api/products/", body, format="json")
    assert product.status_code == 201
    url = f"/api/products/{product.json()['id']}/"
    assert client.patch(url, {"price": "4.00"}, format="json").status_code == 200
    assert client.delete(url).status_code == 204
    assert cache_warnings(caplog)
    # The failed bumps wait for the cache to come back.
    assert core_cache.pending_bumps == {"categories", "products"}


@REDIS_DOWN
@override_settings(
    SHOPCORE={"THROTTLE_RATES": {"login": "2/min", "register": "2/min", "refresh": "2/min"}}
)
def test_auth_endpoints_answer_and_stay_throttled(user):
    client = APIClient()
    login = {user.USERNAME_FIELD: user.get_username(), "password": DEFAULT_PASSWORD}
    logins = [client.post(reverse("shopcore_auth:login"), login, format="json") for _ in range(3)]
    assert [response.status_code for response in logins] == [200, 200, 429]

    registers = [client.post(reverse("shopcore_auth:register"), {}, format="json") for _ in "abc"]
    assert [response.status_code for response in registers] == [400, 400, 429]

    token = str(RefreshToken.for_user(user))
    refresh = client.post(reverse("shopcore_auth:refresh"), {"refresh": token}, format="json")
    assert refresh.status_code == 200


@REDIS_DOWN
@override_settings(SHOPCORE={"THROTTLE_RATES": {"password": "1/min"}})
def test_password_change_answers_and_stays_throttled(user_client):
    body = {"old_password": "Wrong-Passphrase-42", "new_password": "Whatever-Passphrase-42"}
    url = reverse("shopcore_auth:password")
    statuses = [user_client.post(url, body, format="json").status_code for _ in range(2)]
    assert statuses == [400, 429]


# --- A real Redis stopped and started again ------------------------------------


class RedisServer:
    """A throwaway redis-server that keeps its data across a stop and a start, as a
    restart with persistence (or a network partition) does."""

    def __init__(self, directory):
        self.directory = directory
        self.process = None

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603 (our own arguments)
            [
                shutil.which("redis-server"),
                "--port", str(REDIS_PORT),
                "--bind", "127.0.0.1",
                "--dir", str(self.directory),
                "--save", "",
                "--appendonly", "no",
            ],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=REDIS_PORT)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self):
        """Stop it, writing its data to disk for the next start."""
        # The server may close the connection as it exits.
        with contextlib.suppress(redis.ConnectionError):
            redis.Redis(port=REDIS_PORT).shutdown(save=True)
        self.process.wait(timeout=10)


@pytest.fixture
def redis_server(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed here (CI installs it)")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.process.terminate()
        server.process.wait(timeout=10)


def product_prices(client, **params):
    return [row["price"] for row in client.get("/api/products/", params).json()["results"]]


def test_a_write_during_an_outage_is_seen_once_the_cache_is_back(
    redis_server, api_client, django_assert_num_queries
):
    old_parent, new_parent = CategoryFactory(), CategoryFactory()
    moved = CategoryFactory(parent=old_parent)
    product = ProductFactory(category=moved, price="1.00")
    admin = bearer_client(AdminFactory())
    live = override_settings(
        CACHES=redis_caches(f"redis://127.0.0.1:{REDIS_PORT}/5"),
        SHOPCORE={"CACHE_RESPONSES": True},
    )
    with live:
        # Cached: the product list and the old parent's subtree.
        assert product_prices(api_client) == ["1.00"]
        assert product_prices(api_client, category=old_parent.pk) == ["1.00"]

        redis_server.stop()
        price = admin.patch(f"/api/products/{product.pk}/", {"price": "2.00"}, format="json")
        assert price.status_code == 200
        move = {"parent": new_parent.pk}
        assert admin.patch(f"/api/categories/{moved.pk}/", move, format="json").status_code == 200
        assert product_prices(api_client) == ["2.00"]
        assert product_prices(api_client, category=old_parent.pk) == []

        # Back with the entries and versions from before the outage.
        redis_server.start()
        assert product_prices(api_client) == ["2.00"]
        assert product_prices(api_client, category=old_parent.pk) == []
        assert product_prices(api_client, category=new_parent.pk) == ["2.00"]
        assert core_cache.pending_bumps == set()
        # Cached again, under the new versions.
        with django_assert_num_queries(0):
            assert product_prices(api_client) == ["2.00"]


@override_settings(SHOPCORE={"CACHE_RESPONSES": True})
def test_any_failure_of_the_cache_backend_is_tolerated(api_client, monkeypatch, caplog):
    backend = core_cache.get_cache()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    for operation in ("get", "get_many", "set", "set_many", "add"):
        monkeypatch.setattr(backend, operation, broken)
    product = ProductFactory()
    assert api_client.get("/api/products/", {"category": product.category_id}).status_code == 200
    assert bearer_client(AdminFactory()).delete(f"/api/products/{product.pk}/").status_code == 204
    assert {record.exc_info[0] for record in cache_warnings(caplog)} == {OSError}
