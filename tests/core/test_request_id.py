"""Request ids and error logs: every unhandled error is one JSON log line with its traceback
and the id the response carries in X-Request-ID."""

import io
import json
import logging
import re

import pytest
from django.test import Client, override_settings

from django_shopcore.core.logging import JSONFormatter, RequestIdFilter
from tests.settings import MIDDLEWARE

pytestmark = pytest.mark.django_db

WITH_REQUEST_IDS = override_settings(
    ROOT_URLCONF="tests.urls_errors",
    MIDDLEWARE=["django_shopcore.core.middleware.RequestIdMiddleware", *MIDDLEWARE],
)
GENERATED_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def json_log():
    """What the django.request logger writes, through the JSON formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JSONFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


@pytest.fixture
def client():
    # A 500 is answered, as in production, instead of raised into the test.
    return Client(raise_request_exception=False)


@WITH_REQUEST_IDS
@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/fail/api/", "the API view broke"),
        ("/fail/plain/", "the plain view broke"),
    ],
)
def test_an_unhandled_error_is_a_json_500_logged_with_its_id_and_traceback(
    client, json_log, path, message
):
    response = client.get(path)
    assert response.status_code == 500
    assert response.json() == {"error": "Server Error (500)"}
    request_id = response["X-Request-ID"]
    assert GENERATED_ID.fullmatch(request_id)
    (event,) = json_log()
    assert event["level"] == "ERROR"
    assert event["logger"] == "django.request"
    assert event["request_id"] == request_id
    assert event["status_code"] == 500
    assert event["exc"].startswith("Traceback (most recent call last):")
    assert f"RuntimeError: {message}" in event["exc"]


@WITH_REQUEST_IDS
def test_a_valid_incoming_request_id_is_kept(client, json_log):
    response = client.get("/fail/api/", HTTP_X_REQUEST_ID="edge-7f3a.42:1")
    assert response["X-Request-ID"] == "edge-7f3a.42:1"
    assert json_log()[0]["request_id"] == "edge-7f3a.42:1"


@WITH_REQUEST_IDS
@pytest.mark.parametrize("incoming", ["x" * 129, "a b", 'id"}{', "id\nforged", "é"])
def test_an_invalid_incoming_request_id_is_replaced(client, incoming):
    response = client.get("/api/products/", HTTP_X_REQUEST_ID=incoming)
    assert response.status_code == 200
    assert GENERATED_ID.fullmatch(response["X-Request-ID"])


@WITH_REQUEST_IDS
def test_every_response_has_a_request_id(client):
    first, second = client.get("/api/products/"), client.get("/api/products/")
    assert GENERATED_ID.fullmatch(first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_records_outside_a_request_have_no_id():
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "plain %s", ("text",), None)
    assert RequestIdFilter().filter(record) is True
    assert record.request_id is None
    assert json.loads(JSONFormatter().format(record))["message"] == "plain text"
