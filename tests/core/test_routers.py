"""ReplicaRouter: which database each query goes to, replica health, read-your-writes pins."""

import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import OperationalError, connections, transaction
from django.test.utils import CaptureQueriesContext

from django_shopcore.accounts.models import TokenFamily
from django_shopcore.catalog.models import Category, Product
from django_shopcore.core import routers
from django_shopcore.core.routers import (
    ReplicaRouter,
    primary_pin_key,
    remember_write,
    replica_health,
    replica_is_usable,
    replica_may_lack_writes_since,
    routing_scope,
    wrote_recently,
)

from ..factories import AdminFactory, ProductFactory, UserFactory

router = ReplicaRouter()


@pytest.fixture(autouse=True)
def healthy_replicas(settings, monkeypatch):
    """The router on, with the test mirror "replica" (and "replica2") reported healthy."""
    settings.DATABASE_ROUTERS = ["django_shopcore.core.routers.ReplicaRouter"]
    settings.SHOPCORE = {"DATABASE_REPLICAS": ["replica"]}
    replica_health.clear()
    health = {"replica": True, "replica2": True}
    monkeypatch.setattr(routers, "replica_is_usable", lambda alias: health[alias])
    yield health
    replica_health.clear()


def test_catalog_reads_go_to_the_replica():
    assert router.db_for_read(Product) == "replica"
    assert router.db_for_read(Category) == "replica"


@pytest.mark.parametrize("model", [get_user_model(), TokenFamily])
def test_other_apps_read_the_primary(model):
    assert router.db_for_read(model) == "default"


def test_replica_apps_come_from_settings(settings):
    settings.SHOPCORE = {"DATABASE_REPLICAS": ["replica"], "REPLICA_APPS": ["shopcore_accounts"]}
    assert router.db_for_read(Product) == "default"
    assert router.db_for_read(TokenFamily) == "replica"


def test_without_replicas_everything_reads_the_primary(settings):
    settings.SHOPCORE = {}
    assert router.db_for_read(Product) == "default"


def test_writes_go_to_the_primary():
    assert router.db_for_write(Product) == "default"
    assert router.db_for_write(get_user_model()) == "default"


def test_a_write_pins_the_rest_of_its_scope_to_the_primary():
    with routing_scope():
        assert router.db_for_read(Product) == "replica"
        router.db_for_write(Product)
        assert router.db_for_read(Product) == "default"
    # The pin ends with its scope.
    with routing_scope():
        assert router.db_for_read(Product) == "replica"


def test_a_pinned_scope_reads_the_primary():
    with routing_scope(pinned=True):
        assert router.db_for_read(Product) == "default"


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_go_to_the_primary():
    with transaction.atomic():
        assert router.db_for_read(Product) == "default"
    assert router.db_for_read(Product) == "replica"


@pytest.mark.django_db(transaction=True)
def test_reads_with_autocommit_off_go_to_the_primary():
    connection = connections["default"]
    connection.ensure_connection()
    assert router.db_for_read(Product) == "replica"
    connection.set_autocommit(False)
    try:
        assert router.db_for_read(Product) == "default"
    finally:
        connection.rollback()
        connection.set_autocommit(True)


def test_an_unhealthy_replica_is_skipped(healthy_replicas):
    healthy_replicas["replica"] = False
    assert router.db_for_read(Product) == "default"


def test_a_scope_keeps_to_one_replica(settings, healthy_replicas):
    settings.SHOPCORE = {"DATABASE_REPLICAS": ["replica", "replica2"]}
    seen = set()
    for _ in range(20):
        with routing_scope():
            first = router.db_for_read(Product)
            assert {router.db_for_read(Category) for _ in range(5)} == {first}
            seen.add(first)
    # Spread over both replicas (a chance of 2 in a million to see only one).
    assert seen == {"replica", "replica2"}
    healthy_replicas["replica2"] = False
    replica_health.clear()
    assert {router.db_for_read(Product) for _ in range(10)} == {"replica"}


def test_migrations_never_run_on_a_replica():
    assert router.allow_migrate("replica", "shopcore_catalog") is False
    assert router.allow_migrate("default", "shopcore_catalog") is None
    assert router.allow_migrate("other", "shopcore_catalog") is None


def test_relations_are_allowed_across_replicas():
    assert router.allow_relation(Product(), Category()) is True


# --- health checks -------------------------------------------------------------------


def test_health_is_checked_once_per_interval(settings, monkeypatch):
    settings.SHOPCORE = {"DATABASE_REPLICAS": ["replica"], "REPLICA_CHECK_INTERVAL": 5}
    checks = []
    monkeypatch.setattr(routers, "replica_is_usable", lambda alias: checks.append(alias) or True)
    now = [1000.0]
    monkeypatch.setattr(routers.time, "monotonic", lambda: now[0])
    for _ in range(3):
        assert replica_health.is_healthy("replica")
    now[0] += 4.9
    assert replica_health.is_healthy("replica")
    assert checks == ["replica"]
    now[0] += 0.1
    assert replica_health.is_healthy("replica")
    assert checks == ["replica", "replica"]


class FakeCursor:
    def __init__(self, row):
        self.row = row

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, sql):
        if isinstance(self.row, Exception):
            raise self.row

    def fetchone(self):
        return self.row


class FakeConnection:
    """A PostgreSQL connection answering REPLICA_STATUS_SQL with ``row`` (or raising it)."""

    vendor = "postgresql"

    def __init__(self, row):
        self.row = row
        self.closed = False

    def cursor(self):
        return FakeCursor(self.row)

    def close(self):
        self.closed = True


@pytest.mark.parametrize(
    ("row", "usable"),
    [
        ((True, 0), True),
        ((True, 10.0), True),
        ((True, 10.5), False),
        ((True, None), False),  # Behind, and nothing replayed yet: lag unknown.
        ((False, 0), False),  # Promoted: it no longer follows the primary.
    ],
)
def test_replica_status(monkeypatch, row, usable):
    monkeypatch.setattr(routers, "connections", {"replica": FakeConnection(row)})
    assert replica_is_usable("replica") is usable


def test_a_replica_that_does_not_answer_is_down_and_its_connection_closed(monkeypatch):
    connection = FakeConnection(OperationalError("connection refused"))
    monkeypatch.setattr(routers, "connections", {"replica": connection})
    assert replica_is_usable("replica") is False
    assert connection.closed


@pytest.mark.skipif(
    connections["default"].vendor != "postgresql", reason="asks PostgreSQL for its status"
)
@pytest.mark.django_db(databases=["default", "replica"])
def test_the_status_query_runs_on_postgresql():
    # The test mirror is the primary itself: not in recovery, so not used.
    assert replica_is_usable("replica") is False


# --- read-your-writes ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_write_pins_the_user_to_the_primary_until_it_expires(settings):
    settings.SHOPCORE = {"DATABASE_REPLICAS": ["replica"], "READ_YOUR_WRITES_SECONDS": 1}
    user, other = UserFactory(), UserFactory()
    assert not wrote_recently(user)
    remember_write(user)
    assert wrote_recently(user)
    assert not wrote_recently(other)
    time.sleep(1.1)
    assert not wrote_recently(user)


def test_anonymous_clients_are_never_pinned():
    remember_write(AnonymousUser())
    assert not wrote_recently(AnonymousUser())


class BrokenBackend:
    def get(self, *args, **kwargs):
        raise ConnectionError("cache down")

    set = get


@pytest.mark.django_db
def test_without_the_cache_users_read_the_primary(monkeypatch):
    monkeypatch.setattr(routers.shared_cache, "backend", BrokenBackend)
    user = UserFactory()
    remember_write(user)  # Does not raise: the write itself succeeded.
    assert wrote_recently(user)
    assert not wrote_recently(AnonymousUser())


def test_what_a_replica_read_may_miss(settings):
    settings.SHOPCORE = {
        "DATABASE_REPLICAS": ["replica"],
        "REPLICA_MAX_LAG_SECONDS": 10,
        "REPLICA_CHECK_INTERVAL": 5,
    }
    now = time.time()
    with routing_scope() as routing:
        # Nothing read from a replica yet: all came from the primary.
        assert not replica_may_lack_writes_since(now)
        routing.replica = "replica"
        assert replica_may_lack_writes_since(now - 14)
        assert not replica_may_lack_writes_since(now - 16)
    settings.SHOPCORE = {}
    assert not replica_may_lack_writes_since(now)


# --- through the API ---------------------------------------------------------------


def queries_on(alias):
    return CaptureQueriesContext(connections[alias])


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_anonymous_catalog_reads_use_the_replica(api_client):
    product = ProductFactory()
    with queries_on("replica") as replica, queries_on("default") as primary:
        assert api_client.get("/api/products/").json()["results"][0]["id"] == product.pk
        assert api_client.get(f"/api/products/{product.pk}/").status_code == 200
    assert len(replica) >= 2
    assert len(primary) == 0


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_writer_reads_the_primary_afterwards_on_any_host(api_client):
    admin = AdminFactory()
    writer = _bearer(admin)
    category = ProductFactory().category
    with queries_on("replica") as replica:
        response = writer.post(
            "/api/products/",
            {"name": "New", "slug": "new", "price": "1.00", "category": category.pk},
            format="json",
        )
        assert response.status_code == 201, response.json()
        # Another host shares the cache: a new client with the same user.
        assert _bearer(admin).get("/api/products/").status_code == 200
    assert len(replica) == 0  # Neither the write request nor the next read used it.
    from django.core.cache import cache

    assert cache.get(primary_pin_key(admin)) is True
    # Someone else still reads the replica.
    with queries_on("replica") as replica:
        assert api_client.get("/api/products/").status_code == 200
    assert len(replica) >= 1


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_replica_failing_mid_request_is_answered_from_the_primary(api_client, monkeypatch):
    product = ProductFactory()

    def refuse():
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(connections["replica"], "cursor", refuse)
    response = api_client.get(f"/api/products/{product.pk}/")
    assert response.status_code == 200
    assert response.json()["id"] == product.pk
    # Skipped until the next check.
    assert replica_health.checked["replica"][0] is False


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_primary_failure_is_not_retried(api_client, monkeypatch):
    ProductFactory()

    def refuse():
        raise OperationalError("primary down")

    # A pinned (unsafe) request reads the primary, which fails: an error, not a retry loop.
    admin_client = _bearer(AdminFactory())
    monkeypatch.setattr(connections["default"], "cursor", refuse)
    response = admin_client.delete("/api/products/1/")
    # The database-unavailable answer (core/exceptions.py), once.
    assert response.status_code == 503


def _bearer(user):
    from ..conftest import bearer_client

    return bearer_client(user)


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_replica_reads_soon_after_a_write_are_served_but_not_cached(api_client, settings):
    settings.SHOPCORE = {"DATABASE_REPLICAS": ["replica"], "CACHE_RESPONSES": True}
    product = ProductFactory()  # A write: the replica may not show it for a while.
    url = f"/api/products/{product.pk}/"
    for _ in range(2):
        with queries_on("replica") as replica:
            assert api_client.get(url).status_code == 200
        # Read again (the product, its variants, its images): the first answer was not cached.
        assert len(replica) == 3
    # Once the write is older than the lag limit plus the check interval, it is cached.
    settings.SHOPCORE = {
        "DATABASE_REPLICAS": ["replica"],
        "CACHE_RESPONSES": True,
        "REPLICA_MAX_LAG_SECONDS": 0,
        "REPLICA_CHECK_INTERVAL": 0,
    }
    with queries_on("replica") as replica:
        assert api_client.get(url).status_code == 200
    assert len(replica) == 3
    with queries_on("replica") as replica, queries_on("default") as primary:
        assert api_client.get(url).status_code == 200
    assert len(replica) == len(primary) == 0


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_primary_reads_after_a_write_are_cached(api_client, settings, healthy_replicas):
    settings.SHOPCORE = {"DATABASE_REPLICAS": ["replica"], "CACHE_RESPONSES": True}
    healthy_replicas["replica"] = False
    product = ProductFactory()
    url = f"/api/products/{product.pk}/"
    assert api_client.get(url).status_code == 200
    with queries_on("default") as primary:
        assert api_client.get(url).status_code == 200
    assert len(primary) == 0
