"""Bearer authentication: which access tokens shopcore views accept."""

import base64
import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt import tokens as simplejwt_tokens
from rest_framework_simplejwt.settings import api_settings

from django_shopcore.accounts.tokens import RefreshToken

from ..factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.user_model_agnostic

ME_URL = reverse("shopcore_auth:me")


def get_me(token):
    return APIClient(HTTP_AUTHORIZATION=f"Bearer {token}").get(ME_URL)


def access_token(user):
    return RefreshToken.for_user(user).access_token


@pytest.mark.django_db
def test_a_valid_access_token_authenticates(user):
    response = get_me(access_token(user))

    assert response.status_code == 200
    assert response.data["id"] == user.pk


@pytest.mark.django_db
def test_a_refresh_token_is_not_an_access_token(user):
    response = get_me(RefreshToken.for_user(user))

    assert response.status_code == 401
    assert response.data["messages"][0]["message"] == "Token has wrong type"


@pytest.mark.django_db
def test_an_expired_access_token_is_refused(user):
    token = access_token(user)
    token.set_exp(from_time=token.current_time - timedelta(days=1))

    response = get_me(token)

    assert response.status_code == 401
    assert response.data["messages"][0]["message"] == "Token is expired"


@pytest.mark.django_db
def test_an_unsigned_access_token_is_refused(user):
    def b64(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    token = access_token(user)

    response = get_me(f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(token.payload)}.")

    assert response.status_code == 401
    assert response.data["code"] == "token_not_valid"


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer garbage"])
def test_a_malformed_authorization_header_is_401_not_500(header):
    response = APIClient(HTTP_AUTHORIZATION=header).get(ME_URL)

    assert response.status_code == 401
    assert "detail" in response.data
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.django_db
def test_access_tokens_of_a_deactivated_user_stop_working(user):
    token = access_token(user)
    user.is_active = False
    user.save()

    response = get_me(token)

    assert response.status_code == 401
    assert response.data["code"] == "user_inactive"


@pytest.mark.django_db
@override_settings(SIMPLE_JWT={**settings.SIMPLE_JWT, "CHECK_USER_IS_ACTIVE": False})
def test_deactivation_is_enforced_whatever_simplejwt_is_told(user):
    token = access_token(user)
    user.is_active = False
    user.save()

    assert get_me(token).status_code == 401


@pytest.mark.django_db
def test_access_tokens_stop_working_when_the_password_changes(user):
    token = access_token(user)
    user.set_password("Changed-Elsewhere-42")
    user.save()

    response = get_me(token)

    assert response.status_code == 401
    assert response.data["code"] == "password_changed"


@pytest.mark.django_db
def test_a_token_without_the_password_claim_is_refused(user):
    # Issued by simplejwt alone: a password change could not revoke it.
    response = get_me(simplejwt_tokens.RefreshToken.for_user(user).access_token)

    assert response.status_code == 401
    assert response.data["code"] == "password_changed"


@pytest.mark.django_db
def test_tokens_of_a_deleted_user_are_refused(user):
    token = access_token(user)
    user.delete()

    response = get_me(token)

    assert response.status_code == 401
    assert response.data["code"] == "user_not_found"


@pytest.mark.django_db
def test_tokens_survive_a_secret_key_rotation_with_fallbacks(user):
    token = access_token(user)

    new_key = "a-brand-new-secret-key-for-this-test"

    with override_settings(SECRET_KEY=new_key, SECRET_KEY_FALLBACKS=[settings.SECRET_KEY]):
        assert get_me(token).status_code == 200

    with override_settings(SECRET_KEY=new_key):
        assert get_me(token).status_code == 401


@pytest.mark.django_db
def test_factory_users_are_saved_once_with_the_default_password(django_assert_num_queries):
    with django_assert_num_queries(1):
        user = UserFactory()

    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)
    assert UserFactory(password="Other-Horse-7").check_password("Other-Horse-7")


@pytest.mark.parametrize(
    "user_id", [[], {}, [1], {"id": 1}, "not-an-id", "1.5", True, 1.5, "99999999999999999999999"]
)
def test_a_signed_token_with_a_malformed_user_id_is_a_401(user, user_id):
    token = access_token(user)
    token[api_settings.USER_ID_CLAIM] = user_id

    response = get_me(token)

    assert response.status_code == 401
    assert "WWW-Authenticate" in response
