"""Two hosts, a streaming replica, pgbouncer and Redis, live: run by e2e/multihost/run.sh.

Every request is real HTTP to gunicorn (hosts A and B); the replica is driven
directly: its replay paused and resumed, the cluster stopped and started.
"""

import os
import subprocess
import threading
import time
import uuid
from collections import Counter
from urllib.parse import urlsplit

import psycopg2
import pytest
import redis
import requests

from e2e.multihost import config

A = os.environ.get("MULTIHOST_A_URL")
B = os.environ.get("MULTIHOST_B_URL")
HOSTS = {"A": A, "B": B}
# How long a change may take to show on the replica, or a replica's state to be noticed.
CONVERGENCE_BOUND = 15

if not (A and B):
    pytest.fail(
        "MULTIHOST_A_URL and MULTIHOST_B_URL are not set: run e2e/multihost/run.sh",
        pytrace=False,
    )


def api(method, base, path, token=None, **kwargs):
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.request(method, f"{base}/api{path}", headers=headers, timeout=30, **kwargs)


def wait_until(predicate, bound=CONVERGENCE_BOUND, message="condition"):
    """Poll ``predicate`` until it is true; fail after ``bound`` seconds. Returns the wait."""
    start = time.monotonic()
    while time.monotonic() - start < bound:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.1)
    pytest.fail(f"{message}: not within {bound} s")


@pytest.fixture(scope="session")
def admin_token():
    response = api(
        "POST",
        A,
        "/auth/login/",
        json={
            "username": os.environ["E2E_ADMIN_USERNAME"],
            "password": os.environ["E2E_ADMIN_PASSWORD"],
        },
    )
    assert response.status_code == 200, response.text
    return response.json()["access"]


@pytest.fixture(scope="session")
def replica():
    """An autocommit connection to the replica, with its replay resumed after each use."""
    connection = psycopg2.connect(os.environ["MULTIHOST_REPLICA_URL"], connect_timeout=5)
    connection.autocommit = True
    yield connection
    connection.close()


def replica_sql(replica, sql, params=None):
    with replica.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


@pytest.fixture
def paused(replica):
    """A function pausing the replica's replay, which is resumed after the test in any case."""

    def pause():
        replica_sql(replica, "SELECT pg_wal_replay_pause()")
        # pg_wal_replay_pause() only asks; wait until replay has stopped.
        wait_until(
            lambda: (
                replica_sql(replica, "SELECT pg_get_wal_replay_pause_state()")[0][0] == "paused"
            ),
            message="replay paused",
        )

    yield pause
    replica_sql(replica, "SELECT pg_wal_replay_resume()")


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def create_category(token, host=A):
    name = unique("category")
    response = api("POST", host, "/categories/", token, json={"name": name, "slug": name})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def create_product(token, category_id, host=A, price="10.00"):
    name = unique("product")
    response = api(
        "POST",
        host,
        "/products/",
        token,
        json={"name": name, "slug": name, "price": price, "stock": 5, "category": category_id},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def replayed(replica, table, row_id):
    return bool(replica_sql(replica, f"SELECT 1 FROM {table} WHERE id = %s", [row_id]))  # noqa: S608


def fresh_replayed_commit(token, replica):
    """A write the replica has replayed: its lag, once paused, counts from now."""
    category_id = create_category(token)
    wait_until(lambda: replayed(replica, "shopcore_category", category_id), message="replayed")
    return category_id


def status(base, path, token=None):
    return api("GET", base, path, token).status_code


# --- the hosts' writes go through pgbouncer, in transaction mode ---------------------------


def test_the_hosts_use_pgbouncer_in_transaction_mode(admin_token):
    serve_url = urlsplit(os.environ["MULTIHOST_SERVE_DATABASE_URL"])
    database = serve_url.path.lstrip("/")
    # pgbouncer's admin console: a virtual database answering SHOW commands.
    console = psycopg2.connect(
        host=serve_url.hostname, port=serve_url.port, user="postgres", dbname="pgbouncer"
    )
    console.autocommit = True

    def show(what):
        with console.cursor() as cursor:
            cursor.execute(f"SHOW {what}")
            columns = [column.name for column in cursor.description]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    def transactions():
        stats = {row["database"]: row for row in show("STATS")}
        return stats[database]["total_xact_count"]

    try:
        assert {row["key"]: row["value"] for row in show("CONFIG")}["pool_mode"] == "transaction"
        before = transactions()
        create_product(admin_token, create_category(admin_token))
        assert transactions() > before
    finally:
        console.close()


# --- (a) reads go to the replica; writers read their writes ----------------------------


def test_anonymous_reads_come_from_the_replica_and_the_writer_reads_the_primary(
    admin_token, replica, paused
):
    category_id = fresh_replayed_commit(admin_token, replica)
    paused()
    product_id = create_product(admin_token, category_id)
    assert not replayed(replica, "shopcore_product", product_id)
    listing = f"/products/?category={category_id}"
    for name, host in HOSTS.items():
        # Anonymous: the replica, which has not replayed the product.
        assert status(host, f"/products/{product_id}/") == 404, name
        assert api("GET", host, listing).json()["results"] == [], name
        # The admin who wrote it: pinned to the primary on both hosts (the pin is in Redis).
        assert status(host, f"/products/{product_id}/", admin_token) == 200, name
        results = api("GET", host, listing, admin_token).json()["results"]
        assert [row["id"] for row in results] == [product_id], name
    replica_sql(replica, "SELECT pg_wal_replay_resume()")
    for name, host in HOSTS.items():
        waited = wait_until(
            lambda host=host: status(host, f"/products/{product_id}/") == 200,
            message=f"host {name}: the product on the replica once resumed",
        )
        print(f"host {name}: anonymous readers saw the product {waited:.2f} s after resuming")
        # Not cached while the replica lagged: the list shows it too.
        results = api("GET", host, listing).json()["results"]
        assert [row["id"] for row in results] == [product_id], name


def test_a_replica_lagging_beyond_the_limit_is_skipped(admin_token, replica, paused):
    category_id = fresh_replayed_commit(admin_token, replica)
    paused()
    # Past the lag limit: the replica's last replayed commit is older than it.
    time.sleep(config.REPLICA_MAX_LAG_SECONDS + 0.5)
    product_id = create_product(admin_token, category_id)
    assert not replayed(replica, "shopcore_product", product_id)
    for name, host in HOSTS.items():
        waited = wait_until(
            lambda host=host: status(host, f"/products/{product_id}/") == 200,
            bound=config.REPLICA_CHECK_INTERVAL + 5,
            message=f"host {name}: a lagging replica skipped",
        )
        print(f"host {name}: anonymous readers read the primary after {waited:.2f} s")
    assert not replayed(replica, "shopcore_product", product_id)


# --- (b) the replica stopped: reads answered from the primary, never a 5xx ---------------


class Reader(threading.Thread):
    """Anonymous reads on both hosts in a loop, each status recorded with its time."""

    def __init__(self, paths):
        super().__init__(daemon=True)
        self.paths = paths
        self.statuses = []  # (time.monotonic(), host name, path, status or exception name)
        self.done = threading.Event()

    def run(self):
        number = 0
        while not self.done.is_set():
            for name, host in HOSTS.items():
                for path in self.paths:
                    number += 1
                    # A new page size each time: a cached response would prove nothing.
                    separator = "&" if "?" in path else "?"
                    url = f"{path}{separator}page_size={number % 50 + 1}"
                    try:
                        result = status(host, url)
                    except requests.RequestException as exc:
                        result = type(exc).__name__
                    self.statuses.append((time.monotonic(), name, path, result))
            time.sleep(0.02)


def pg_ctlcluster(action):
    subprocess.run(
        [
            "/usr/bin/pg_ctlcluster",  # Debian's (postgresql-common)
            "--skip-systemctl-redirect",
            os.environ["MULTIHOST_PG_VERSION"],
            "replica",
            action,
            *(["-m", "fast"] if action == "stop" else []),
        ],
        check=True,
    )


def replica_streams():
    try:
        connection = psycopg2.connect(os.environ["MULTIHOST_REPLICA_URL"], connect_timeout=2)
    except psycopg2.OperationalError:
        return False
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT status FROM pg_stat_wal_receiver")
            return cursor.fetchall() == [("streaming",)]
    finally:
        connection.close()


def test_a_stopped_replica_costs_no_errors(admin_token):
    category_id = create_category(admin_token)
    product_id = create_product(admin_token, category_id)
    reader = Reader(["/products/", f"/products/{product_id}/", "/categories/"])
    reader.start()
    try:
        time.sleep(1)
        stopped_at = time.monotonic()
        pg_ctlcluster("stop")
        time.sleep(config.REPLICA_CHECK_INTERVAL + 3)
        started_at = time.monotonic()
        pg_ctlcluster("start")
        wait_until(replica_streams, bound=60, message="the replica streaming again")
        time.sleep(config.REPLICA_CHECK_INTERVAL + 1)
    finally:
        reader.done.set()
        reader.join()
    counts = Counter(result for _, _, _, result in reader.statuses)
    while_down = [row for row in reader.statuses if stopped_at <= row[0] < started_at]
    print(f"{len(reader.statuses)} reads, {len(while_down)} while the replica was down: {counts}")
    assert len(while_down) >= 20
    assert {result for *_, result in reader.statuses} == {200}, counts


# --- (c) two hosts: caches, cursors, tokens and throttles are shared ----------------------


def test_a_write_on_a_is_read_fresh_on_b(admin_token):
    category_id = create_category(admin_token)
    product_id = create_product(admin_token, category_id, price="10.00")
    path = f"/products/{product_id}/"
    wait_until(lambda: status(B, path) == 200, message="the product on B")
    assert api("GET", B, path).json()["price"] == "10.00"
    # Now cached on B (anonymous responses are, in the shared Redis).
    cache = redis.Redis.from_url(os.environ["MULTIHOST_CACHE_URL"])
    assert any(cache.scan_iter(match="*shopcore:response:*", count=1000))
    response = api("PATCH", A, path, admin_token, json={"price": "12.50"})
    assert response.status_code == 200, response.text
    # The writer at once, anyone as soon as the replica has it: no stale copy cached.
    assert api("GET", B, path, admin_token).json()["price"] == "12.50"
    waited = wait_until(
        lambda: api("GET", B, path).json()["price"] == "12.50", message="the new price on B"
    )
    print(f"anonymous readers on B saw the new price after {waited:.2f} s")
    for _ in range(5):
        assert api("GET", B, path).json()["price"] == "12.50"


def test_a_cursor_from_a_pages_on_b(admin_token):
    category_id = create_category(admin_token)
    product_ids = {create_product(admin_token, category_id) for _ in range(3)}
    listing = f"/products/?category={category_id}&page_size=1&ordering=created_at"
    wait_until(
        lambda: api("GET", A, listing).json()["count"] == 3, message="the products on the replica"
    )
    seen = []
    page = api("GET", A, listing).json()
    seen.append(page["results"][0]["id"])
    while page["next"]:
        # The next link names host A; follow it on host B, then switch back, and so on.
        host = B if len(seen) % 2 else A
        next_path = page["next"].split("/api", 1)[1]
        response = api("GET", host, next_path)
        assert response.status_code == 200, response.text
        page = response.json()
        seen.append(page["results"][0]["id"])
    assert sorted(seen) == sorted(product_ids)
    assert len(seen) == 3


def test_tokens_from_a_work_on_b():
    credentials = {
        "username": os.environ["E2E_ADMIN_USERNAME"],
        "password": os.environ["E2E_ADMIN_PASSWORD"],
    }
    tokens = api("POST", A, "/auth/login/", json=credentials).json()
    me = api("GET", B, "/auth/me/", tokens["access"])
    assert me.status_code == 200, me.text
    assert me.json()["username"] == credentials["username"]
    # A refresh token rotated on B is spent on A as well.
    rotated = api("POST", B, "/auth/refresh/", json={"refresh": tokens["refresh"]})
    assert rotated.status_code == 200, rotated.text
    reused = api("POST", A, "/auth/refresh/", json={"refresh": tokens["refresh"]})
    assert reused.status_code == 401, reused.text


def test_failed_logins_are_throttled_across_hosts():
    cache = redis.Redis.from_url(os.environ["MULTIHOST_CACHE_URL"])
    # Only this test's attempts count: the earlier tests logged in too.
    for key in cache.scan_iter(match="*throttle_login*"):
        cache.delete(key)
    wrong = {"username": os.environ["E2E_ADMIN_USERNAME"], "password": "not-the-password"}
    statuses = [
        api("POST", B if attempt % 2 else A, "/auth/login/", json=wrong).status_code
        for attempt in range(config.LOGIN_LIMIT)
    ]
    assert 429 not in statuses, statuses
    assert api("POST", A, "/auth/login/", json=wrong).status_code == 429
    assert api("POST", B, "/auth/login/", json=wrong).status_code == 429
