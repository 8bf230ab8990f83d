"""Concurrent refreshes with one refresh token, with and without the grace window (PostgreSQL)."""

import threading
import time

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from django_shopcore.accounts import tokens
from django_shopcore.accounts.models import TokenFamily

pytestmark = [
    pytest.mark.user_model_agnostic,
    # SQLite serializes every write and has no row locks to test; in-memory
    # databases are not even shared between threads.
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="needs a database with concurrent transactions"
    ),
]

WORKERS = 8


def refresh_concurrently(raw_token, workers):
    """POST the same refresh token from ``workers`` threads at once; return the statuses."""
    start = threading.Barrier(workers)
    statuses = []

    def refresh():
        try:
            start.wait()
            response = APIClient().post(
                reverse("shopcore_auth:refresh"), {"refresh": raw_token}, format="json"
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


@pytest.fixture
def slow_rotation(monkeypatch):
    """Widen the window between reading the token's state and blacklisting it."""
    check = tokens.check_user_may_use

    def slowly(user, token):
        time.sleep(0.2)
        check(user, token)

    monkeypatch.setattr(tokens, "check_user_may_use", slowly)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("workers", [2, WORKERS])
@override_settings(SHOPCORE={"REFRESH_REUSE_GRACE_SECONDS": 0})
def test_without_grace_only_one_of_concurrent_refreshes_succeeds(user, slow_rotation, workers):
    raw_token = str(tokens.RefreshToken.for_user(user))

    statuses = refresh_concurrently(raw_token, workers)

    assert statuses == [200] + [401] * (workers - 1)
    # The losers presented a token that had just been rotated: that is reuse.
    assert TokenFamily.objects.get().revoked_at is not None


@pytest.mark.django_db(transaction=True)
def test_two_tabs_refreshing_at_once_both_stay_logged_in(user, slow_rotation):
    raw_token = str(tokens.RefreshToken.for_user(user))

    statuses = refresh_concurrently(raw_token, 2)

    # The second waited for the first's row lock, then found the token just
    # rotated: within the grace window it gets a successor of its own.
    assert statuses == [200, 200]
    assert TokenFamily.objects.get().revoked_at is None
    assert OutstandingToken.objects.count() == 3
