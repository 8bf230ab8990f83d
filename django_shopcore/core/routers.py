"""An opt-in database router: catalog reads to healthy streaming replicas, the rest to the primary.

Enable it in the host's settings (docs/deployment.md)::

    DATABASE_ROUTERS = ["django_shopcore.core.routers.ReplicaRouter"]
    SHOPCORE = {"DATABASE_REPLICAS": ["replica1"]}

Reads of the models of ``SHOPCORE['REPLICA_APPS']`` go to a replica that is up
and at most ``REPLICA_MAX_LAG_SECONDS`` behind, unless they run inside a
transaction, or the request is pinned to the primary: an unsafe request, a
request that wrote, or one by a user who wrote less than
``READ_YOUR_WRITES_SECONDS`` ago (views.py records that in the shared cache).
Everything else goes to the primary, ``default``.
"""

import contextlib
import contextvars
import logging
import random
import time
from contextlib import suppress

from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from .cache import KEY_PREFIX, CacheUnavailable, shared_cache
from .settings import shopcore_settings

logger = logging.getLogger(__name__)

PRIMARY = DEFAULT_DB_ALIAS

# Whether the server replays WAL, and how many seconds its replay is behind:
# 0 when it has replayed all it received, else the age of its last replayed commit.
REPLICA_STATUS_SQL = (
    "SELECT pg_is_in_recovery(), "
    "CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
)


class Routing:
    """What the router knows about the current request (or ``routing_scope`` block)."""

    def __init__(self, pinned=False):
        # True: every read goes to the primary until the scope ends.
        self.pinned = pinned
        # The replica this scope read from; it keeps to one, so its reads agree.
        self.replica = None


current_routing: contextvars.ContextVar[Routing | None] = contextvars.ContextVar(
    "shopcore_routing", default=None
)


@contextlib.contextmanager
def routing_scope(pinned=False):
    """Route the block's reads as one request; ``pinned=True`` sends them all to the primary.

    Outside any scope (management commands, tasks) writes pin nothing: wrap code
    that reads what it has just written in ``routing_scope()`` or ``atomic()``.
    """
    token = current_routing.set(Routing(pinned))
    try:
        yield current_routing.get()
    finally:
        current_routing.reset(token)


def pin_to_primary():
    """Send the current scope's remaining reads to the primary."""
    routing = current_routing.get()
    if routing is not None:
        routing.pinned = True


def in_transaction():
    """Whether the primary's connection is in a transaction, whose reads must see its writes."""
    connection = connections[PRIMARY]
    if connection.in_atomic_block:
        return True
    # Without a connection there is no transaction (and no need to open one to know);
    # with one, get_autocommit() would only read this attribute.
    return connection.connection is not None and not connection.autocommit


class ReplicaHealth:
    """Each replica's health as this process last saw it, checked again after
    ``REPLICA_CHECK_INTERVAL`` seconds."""

    def __init__(self):
        # alias -> (healthy, time.monotonic() of the check)
        self.checked = {}

    def is_healthy(self, alias):
        healthy, checked_at = self.checked.get(alias, (False, None))
        now = time.monotonic()
        if checked_at is None or now - checked_at >= shopcore_settings.REPLICA_CHECK_INTERVAL:
            healthy = replica_is_usable(alias)
            self.checked[alias] = (healthy, now)
        return healthy

    def mark_down(self, alias):
        """Skip ``alias`` until the next check, and drop its (probably broken) connection."""
        self.checked[alias] = (False, time.monotonic())
        close_quietly(connections[alias])

    def clear(self, **kwargs):
        self.checked.clear()


def replica_is_usable(alias):
    """Whether ``alias`` answers, replays WAL and lags at most ``REPLICA_MAX_LAG_SECONDS``."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return True  # Nothing to ask other databases (a test mirror on SQLite).
    try:
        with connection.cursor() as cursor:
            cursor.execute(REPLICA_STATUS_SQL)
            in_recovery, lag = cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("Replica %r is down, reading from the primary: %s", alias, exc)
        close_quietly(connection)
        return False
    if not in_recovery:
        # A promoted replica no longer follows the primary: its data drifts apart.
        logger.warning("Database %r is not in recovery (not a replica); not reading it", alias)
        return False
    if lag is None or lag > shopcore_settings.REPLICA_MAX_LAG_SECONDS:
        logger.warning("Replica %r lags %s s, reading from the primary", alias, lag)
        return False
    return True


def close_quietly(connection):
    # Already broken: nothing left to close.
    with contextlib.suppress(DatabaseError):
        connection.close()


replica_health = ReplicaHealth()
# New intervals or replicas must not reuse what the old settings decided.
setting_changed.connect(replica_health.clear)


def choose_replica(routing):
    """The scope's replica, else a random healthy one (spreading the load); None if none is."""
    if routing is not None and routing.replica is not None:
        return routing.replica
    healthy = [
        alias for alias in shopcore_settings.DATABASE_REPLICAS if replica_health.is_healthy(alias)
    ]
    if not healthy:
        return None
    alias = random.choice(healthy)  # noqa: S311 - load spreading, not security
    if routing is not None:
        routing.replica = alias
    return alias


class ReplicaRouter:
    """Reads of ``REPLICA_APPS`` from a healthy replica when nothing needs the primary."""

    def db_for_read(self, model, **hints):
        if model._meta.app_label not in shopcore_settings.REPLICA_APPS:
            return PRIMARY
        routing = current_routing.get()
        if (routing is not None and routing.pinned) or in_transaction():
            return PRIMARY
        return choose_replica(routing) or PRIMARY

    def db_for_write(self, model, **hints):
        # The rest of the request must read what it wrote.
        pin_to_primary()
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # Replicas hold the primary's data: an object read from one relates to any other.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # Replicas replay the primary's schema; other databases are other routers' concern.
        return False if db in shopcore_settings.DATABASE_REPLICAS else None


def replica_may_lack_writes_since(timestamp):
    """Whether this scope read from a replica that may not yet show writes made since
    ``timestamp`` (seconds since the epoch): what it read must not be cached as current.

    A replica in use lagged at most ``REPLICA_MAX_LAG_SECONDS`` when last checked,
    at most ``REPLICA_CHECK_INTERVAL`` seconds ago.
    """
    if not shopcore_settings.DATABASE_REPLICAS:
        return False
    routing = current_routing.get()
    if routing is not None and routing.replica is None:
        return False  # Every read of this scope went to the primary.
    horizon = shopcore_settings.REPLICA_MAX_LAG_SECONDS + shopcore_settings.REPLICA_CHECK_INTERVAL
    return time.time() - timestamp < horizon


# --- Read-your-writes across requests and hosts --------------------------------


def primary_pin_key(user):
    return f"{KEY_PREFIX}:primary-pin:{user.pk}"


def remember_write(user):
    """Pin ``user``'s reads to the primary for ``READ_YOUR_WRITES_SECONDS``, on every host."""
    if not shopcore_settings.DATABASE_REPLICAS or not user.is_authenticated:
        return
    # Logged when it fails; the write itself succeeded.
    with suppress(CacheUnavailable):
        shared_cache.set(
            primary_pin_key(user), True, timeout=shopcore_settings.READ_YOUR_WRITES_SECONDS
        )


def wrote_recently(user):
    """Whether ``user`` wrote less than ``READ_YOUR_WRITES_SECONDS`` ago.

    True when the cache cannot tell: reading the primary is slower, never wrong.
    """
    if not shopcore_settings.DATABASE_REPLICAS or not user.is_authenticated:
        return False
    try:
        return shared_cache.get(primary_pin_key(user)) is not None
    except CacheUnavailable:  # Logged by the cache.
        return True


def replica_failed():
    """After a database error in this scope: the replica it read from, marked down, and the
    scope pinned to the primary; None when it read no replica (the primary failed)."""
    routing = current_routing.get()
    if routing is None or routing.replica is None or routing.pinned:
        return None
    alias = routing.replica
    logger.warning("Replica %r failed during a request; retrying on the primary", alias)
    replica_health.mark_down(alias)
    routing.pinned = True
    return alias
