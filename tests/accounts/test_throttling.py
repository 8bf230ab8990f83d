"""Scoped throttles on login, register, refresh and password change."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from django_shopcore.accounts.tokens import RefreshToken
from django_shopcore.core.throttling import ShopcoreScopedRateThrottle

from ..conftest import bearer_client
from ..factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.user_model_agnostic


def login_body(user):
    return {user.USERNAME_FIELD: user.get_username(), "password": DEFAULT_PASSWORD}


def post_twice_then_once_more(client, url, body):
    statuses = [client.post(url, body, format="json").status_code for _ in range(2)]
    return statuses, client.post(url, body, format="json")


@pytest.mark.django_db
@override_settings(SHOPCORE={"THROTTLE_RATES": {"login": "2/min"}})
def test_login_is_throttled_with_retry_after(user):
    statuses, third = post_twice_then_once_more(
        APIClient(), reverse("shopcore_auth:login"), login_body(user)
    )

    assert statuses == [200, 200]
    assert third.status_code == 429
    assert 0 < int(third["Retry-After"]) <= 60


@pytest.mark.django_db
@override_settings(SHOPCORE={"THROTTLE_RATES": {"login": "2/min"}})
def test_failed_logins_count_too(user):
    body = {**login_body(user), "password": "Wrong-Passphrase-42"}

    statuses, third = post_twice_then_once_more(APIClient(), reverse("shopcore_auth:login"), body)

    assert statuses == [401, 401]
    assert third.status_code == 429


@pytest.mark.django_db
@override_settings(SHOPCORE={"THROTTLE_RATES": {"register": "2/min"}})
def test_register_is_throttled():
    statuses, third = post_twice_then_once_more(APIClient(), reverse("shopcore_auth:register"), {})

    assert statuses == [400, 400]
    assert third.status_code == 429
    assert "Retry-After" in third


@pytest.mark.django_db
@override_settings(SHOPCORE={"THROTTLE_RATES": {"refresh": "2/min"}})
def test_refresh_is_throttled(user):
    client, url = APIClient(), reverse("shopcore_auth:refresh")
    token = str(RefreshToken.for_user(user))
    for _ in range(2):
        token = client.post(url, {"refresh": token}, format="json").data["refresh"]

    response = client.post(url, {"refresh": token}, format="json")

    assert response.status_code == 429


@pytest.mark.django_db
@override_settings(SHOPCORE={"THROTTLE_RATES": {"password": "2/min"}})
def test_password_change_is_throttled_per_user(user, user_client):
    body = {"old_password": "Wrong-Passphrase-42", "new_password": "Whatever-Passphrase-42"}
    url = reverse("shopcore_auth:password")

    statuses, third = post_twice_then_once_more(user_client, url, body)

    assert statuses == [400, 400]
    assert third.status_code == 429
    # Another user behind the same address has a budget of their own.
    other = bearer_client(UserFactory()).post(url, body, format="json")
    assert other.status_code == 400


@pytest.mark.django_db
@override_settings(SHOPCORE={"THROTTLE_RATES": {"login": "1/min"}})
def test_scopes_are_counted_separately(user):
    client = APIClient()
    client.post(reverse("shopcore_auth:login"), login_body(user), format="json")

    response = client.post(reverse("shopcore_auth:register"), {}, format="json")

    assert response.status_code == 400


@pytest.mark.django_db
def test_rates_are_read_at_request_time(user):
    client, url = APIClient(), reverse("shopcore_auth:login")
    client.post(url, login_body(user), format="json")

    with override_settings(SHOPCORE={"THROTTLE_RATES": {"login": "1/min"}}):
        throttled = client.post(url, login_body(user), format="json")

    assert throttled.status_code == 429


@pytest.mark.django_db
@override_settings(SHOPCORE={"THROTTLE_RATES": {"login": None}})
def test_a_rate_of_none_switches_a_scope_off(user):
    client, url = APIClient(), reverse("shopcore_auth:login")

    statuses = {client.post(url, login_body(user), format="json").status_code for _ in range(15)}

    assert statuses == {200}


def test_a_scope_without_a_rate_is_a_configuration_error():
    throttle = ShopcoreScopedRateThrottle()
    throttle.scope = "no-such-scope"

    with pytest.raises(ImproperlyConfigured, match="no-such-scope"):
        throttle.get_rate()
