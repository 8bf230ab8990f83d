"""Malformed JSON bodies on every shopcore endpoint: a 400 with a clear message, never a 500."""

import io

import pytest

from django_shopcore.core.parsers import ShopcoreJSONParser

pytestmark = pytest.mark.django_db

# (method, path, who sends it)
WRITES = [
    ("post", "/api/categories/", "admin"),
    ("post", "/api/products/", "admin"),
    ("post", "/api/auth/register/", "anonymous"),
    ("post", "/api/auth/login/", "anonymous"),
    ("post", "/api/auth/refresh/", "anonymous"),
    ("post", "/api/auth/logout/", "user"),
    ("patch", "/api/auth/me/", "user"),
    ("post", "/api/auth/password/", "user"),
]
# Deeper than any Python's JSON decoder recurses (3.13 lifted the limit to its C stack's).
DEEPLY_NESTED = "[" * 100_000 + "]" * 100_000
HUGE_INTEGER = '{"name": ' + "9" * 5000 + "}"


@pytest.fixture
def client_for(api_client, user_client, admin_client):
    return {"anonymous": api_client, "user": user_client, "admin": admin_client}.get


def send(client, method, path, body):
    return getattr(client, method)(path, body, content_type="application/json")


@pytest.mark.parametrize(("method", "path", "who"), WRITES)
def test_deeply_nested_json_is_a_400(client_for, method, path, who):
    response = send(client_for(who), method, path, DEEPLY_NESTED)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "JSON parse error - arrays or objects are nested too deeply."
    }


@pytest.mark.parametrize(("method", "path", "who"), WRITES)
def test_an_integer_too_long_to_read_is_a_400_without_python_internals(
    client_for, method, path, who
):
    response = send(client_for(who), method, path, HUGE_INTEGER)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail == (
        "JSON parse error - a value cannot be read (e.g. a number with too many digits)."
    )
    assert "sys" not in detail and "int_max_str_digits" not in detail


def test_a_syntax_error_keeps_its_position(api_client):
    response = send(api_client, "post", "/api/auth/login/", '{"username": ')
    assert response.status_code == 400
    assert response.json() == {
        "detail": "JSON parse error - Expecting value: line 1 column 14 (char 13)"
    }


def test_a_body_that_is_not_text_in_its_charset_is_a_parse_error():
    parser = ShopcoreJSONParser()
    with pytest.raises(Exception) as caught:
        parser.parse(io.BytesIO(b'{"a": "\xff"}'), parser_context={"encoding": "utf-8"})
    assert str(caught.value.detail) == (
        "JSON parse error - the body is not valid text in its charset."
    )
