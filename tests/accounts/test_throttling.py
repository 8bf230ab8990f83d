"""Scoped throttles on login, register, refresh and password change."""

import unicodedata

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient, APIRequestFactory

from django_shopcore.accounts.tokens import RefreshToken
from django_shopcore.core.checks import check_trusted_proxies
from django_shopcore.core.throttling import ShopcoreScopedRateThrottle, client_address

from ..conftest import bearer_client
from ..factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.user_model_agnostic

# ASCII letters and digits to their fullwidth forms, which NFKC folds back.
FULLWIDTH = {code: code + 0xFEE0 for code in range(0x21, 0x7F)}


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


def failed_login(client, username, **extra):
    body = {get_user_model().USERNAME_FIELD: username, "password": "Wrong-Passphrase-42"}
    return client.post(reverse("shopcore_auth:login"), body, format="json", **extra)


def forged_addresses(count):
    return [f"203.0.113.{n % 250}, 198.51.100.{n // 250}" for n in range(count)]


@pytest.mark.django_db
@override_settings(SHOPCORE={"THROTTLE_RATES": {"login": "20/min", "login_username": None}})
def test_a_forged_forwarded_for_header_does_not_reset_the_login_budget():
    client = APIClient()

    statuses = [
        failed_login(client, f"nobody{n}", HTTP_X_FORWARDED_FOR=forged).status_code
        for n, forged in enumerate(forged_addresses(40))
    ]

    assert statuses == [401] * 20 + [429] * 20


@pytest.mark.django_db
@override_settings(SHOPCORE={"THROTTLE_RATES": {"register": "20/min"}})
def test_a_forged_forwarded_for_header_does_not_reset_the_register_budget():
    client, url = APIClient(), reverse("shopcore_auth:register")

    statuses = [
        client.post(url, {}, format="json", HTTP_X_FORWARDED_FOR=forged).status_code
        for forged in forged_addresses(40)
    ]

    assert statuses == [400] * 20 + [429] * 20


def request_from(remote_addr, forwarded_for=None):
    factory = APIRequestFactory()
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return factory.get("/", **extra)


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        # No trusted proxy: the header is the client's own words.
        (0, "198.51.100.7", "10.0.0.1"),
        # One proxy appends the address it saw: the rightmost one.
        (1, "forged, 198.51.100.7", "198.51.100.7"),
        (1, "198.51.100.7", "198.51.100.7"),
        # Two proxies: the outer one's view is second from the right.
        (2, "forged, 198.51.100.7, 10.0.0.9", "198.51.100.7"),
        # Fewer addresses than proxies, or none: the server's own view.
        (2, "198.51.100.7", "10.0.0.1"),
        (1, None, "10.0.0.1"),
        (1, " , ", "10.0.0.1"),
    ],
)
def test_client_address_trusts_only_the_configured_proxies(proxies, forwarded_for, expected):
    with override_settings(SHOPCORE={"TRUSTED_PROXIES": proxies}):
        assert client_address(request_from("10.0.0.1", forwarded_for)) == expected


@pytest.mark.django_db
@override_settings(
    SHOPCORE={"TRUSTED_PROXIES": 1, "THROTTLE_RATES": {"login": "2/min", "login_username": None}}
)
def test_behind_a_trusted_proxy_clients_are_told_apart_by_the_address_it_reports():
    client = APIClient()

    def attempt(forwarded_for):
        return failed_login(
            client, "nobody", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for
        ).status_code

    # What the client puts left of the proxy's entry changes nothing.
    assert [attempt(f"forged{n}, 198.51.100.7") for n in range(3)] == [401, 401, 429]
    assert attempt("198.51.100.8") == 401


@pytest.mark.django_db
@override_settings(SHOPCORE={"THROTTLE_RATES": {"login_username": "3/hour"}})
def test_failed_logins_are_limited_per_username_from_any_address(user):
    client = APIClient()
    name = user.get_username()
    spellings = [name.upper(), name, unicodedata.normalize("NFKC", name).translate(FULLWIDTH)]

    statuses = [
        failed_login(client, spelling, REMOTE_ADDR=f"198.51.100.{n}").status_code
        for n, spelling in enumerate(spellings)
    ]
    # Even the right password: the name is locked for the window.
    locked = client.post(
        reverse("shopcore_auth:login"), login_body(user), format="json", REMOTE_ADDR="192.0.2.1"
    )

    assert statuses == [401, 401, 401]
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= 3600
    assert failed_login(client, "someone-else", REMOTE_ADDR="192.0.2.2").status_code == 401


@pytest.mark.django_db
@override_settings(SHOPCORE={"THROTTLE_RATES": {"login_username": "2/hour"}})
def test_successful_logins_do_not_count_against_the_username(user):
    client, url = APIClient(), reverse("shopcore_auth:login")

    statuses = [client.post(url, login_body(user), format="json").status_code for _ in range(4)]

    assert statuses == [200] * 4


BAD_PROXIES = "shopcore.E012"


@pytest.mark.parametrize(
    ("proxies", "ids"),
    [(0, []), (2, []), (-1, [BAD_PROXIES]), ("1", [BAD_PROXIES]), (True, [BAD_PROXIES])],
)
def test_trusted_proxies_is_checked_at_start_up(proxies, ids):
    with override_settings(SHOPCORE={"TRUSTED_PROXIES": proxies}):
        assert [message.id for message in check_trusted_proxies(None)] == ids
