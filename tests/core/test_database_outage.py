"""The database unreachable: a JSON 503 with Retry-After on every path, never a 500."""

import logging
import sqlite3

import pytest
from django.db import connection
from django.test import Client, override_settings

from django_shopcore.accounts.tokens import RefreshToken
from tests.settings import MIDDLEWARE

pytestmark = pytest.mark.django_db(transaction=True)

WITH_OUTAGE_MIDDLEWARE = override_settings(
    ROOT_URLCONF="tests.urls_errors",
    MIDDLEWARE=[*MIDDLEWARE, "django_shopcore.core.middleware.DatabaseUnavailableMiddleware"],
)
UNAVAILABLE = {"detail": "The service is temporarily unavailable; retry later."}


@pytest.fixture
def database_unreachable(monkeypatch):
    """The default alias pointed at a port where no database listens (PostgreSQL).

    SQLite's in-memory test database cannot be closed without losing it: there
    connecting fails as a missing database file makes it fail.
    """
    if connection.vendor != "postgresql":

        def unable_to_connect():
            with connection.wrap_database_errors:
                raise sqlite3.OperationalError("unable to open database file")

        monkeypatch.setattr(connection, "ensure_connection", unable_to_connect)
        yield
        return
    connection.close()
    saved = dict(connection.settings_dict)
    connection.settings_dict.update(HOST="127.0.0.1", PORT="8157")
    yield
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


@pytest.fixture
def access_token(user):
    return RefreshToken.for_user(user).access_token


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


@WITH_OUTAGE_MIDDLEWARE
@pytest.mark.parametrize(
    "path", ["/api/products/", "/api/categories/", "/api/auth/me/", "/count/"]
)
def test_an_unreachable_database_is_a_json_503_with_retry_after(
    access_token, database_unreachable, caplog, path
):
    # Signed in: the user behind the token is read from the database.
    response = Client(raise_request_exception=False).get(
        path, HTTP_AUTHORIZATION=f"Bearer {access_token}"
    )
    assert response.status_code == 503
    assert response.json() == UNAVAILABLE
    assert response["Retry-After"] == "5"
    (record,) = [r for r in caplog.records if r.name == "django_shopcore.core.exceptions"]
    assert record.levelno == logging.WARNING
    assert record.exc_info[0].__name__ == "OperationalError"


@WITH_OUTAGE_MIDDLEWARE
def test_writes_are_a_503_too(database_unreachable, client):
    response = client.post(
        "/api/auth/login/", {"username": "a", "password": "b"}, content_type="application/json"
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
