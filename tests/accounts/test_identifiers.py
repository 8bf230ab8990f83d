"""Usernames and e-mail addresses: NFKC, case-insensitive uniqueness, and guarded changes."""

import unicodedata

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from ..conftest import bearer_client
from ..factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.user_model_agnostic

User = get_user_model()
USERNAME_FIELD = User.USERNAME_FIELD
EMAIL_FIELD = User.get_email_field_name()
ME_URL = reverse("shopcore_auth:me")
REGISTER_URL = reverse("shopcore_auth:register")
USERS_URL = reverse("shopcore_auth:user-list")
# ASCII letters and digits to their fullwidth forms, which NFKC folds back.
FULLWIDTH = {code: code + 0xFEE0 for code in range(0x21, 0x7F)}
has_username = pytest.mark.skipif(
    USERNAME_FIELD == EMAIL_FIELD, reason="the user model logs in by e-mail address"
)


def sign_up(name, email, client=None):
    data = {EMAIL_FIELD: email, "password": "Sturdy-Passphrase-42"}
    if USERNAME_FIELD != EMAIL_FIELD:
        data[USERNAME_FIELD] = name
    return (client or APIClient()).post(REGISTER_URL, data, format="json")


# --- normalization and uniqueness --------------------------------------------


@has_username
@pytest.mark.django_db
@pytest.mark.parametrize("spelling", ["alice", "ALICE", "alice".translate(FULLWIDTH)])
def test_a_username_differing_only_in_case_or_width_is_taken(spelling):
    assert sign_up("Alice", "first@example.com").status_code == 201

    response = sign_up(spelling, "second@example.com")

    assert response.status_code == 400
    assert list(response.data) == [USERNAME_FIELD]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "spelling", ["ALICE@EXAMPLE.COM", "alice@example.com".translate(FULLWIDTH)]
)
def test_an_email_differing_only_in_case_or_width_is_taken(spelling):
    assert sign_up("first", "alice@example.com").status_code == 201

    response = sign_up("second", spelling)

    assert response.status_code == 400
    assert list(response.data) == [EMAIL_FIELD]
    assert "already exists" in str(response.data[EMAIL_FIELD][0])


@has_username
@pytest.mark.django_db
def test_names_are_stored_nfkc_normalized():
    response = sign_up("Alice".translate(FULLWIDTH), "alice@EXAMPLE.com".translate(FULLWIDTH))

    assert response.status_code == 201, response.data
    user = User.objects.get()
    assert user.get_username() == "Alice"
    assert getattr(user, EMAIL_FIELD) == "alice@example.com"


@has_username
@pytest.mark.django_db
def test_admins_cannot_create_a_clashing_username_either(admin_client):
    UserFactory(**{USERNAME_FIELD: "bob"})

    response = admin_client.post(
        USERS_URL,
        {USERNAME_FIELD: "BOB", EMAIL_FIELD: "bob2@example.com", "password": "Sturdy-Pass-42"},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.data) == [USERNAME_FIELD]


# --- changing them through auth/me/ -------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "message"),
    [
        (None, "Needed to change the username or e-mail address."),
        ("Wrong-Passphrase-42", "Your password was entered incorrectly."),
    ],
)
def test_changing_the_email_needs_the_current_password(user, user_client, password, message):
    UserFactory(**{EMAIL_FIELD: "taken@example.com"})
    body = {EMAIL_FIELD: "taken@example.com"}
    if password is not None:
        body["current_password"] = password

    response = user_client.patch(ME_URL, body, format="json")

    # Not "already exists": without the password nothing about others is told.
    assert response.status_code == 400
    assert response.data == {"current_password": [message]}


@has_username
@pytest.mark.django_db
def test_changing_the_username_needs_the_current_password(user, user_client):
    refused = user_client.patch(ME_URL, {USERNAME_FIELD: "renamed"}, format="json")
    accepted = user_client.patch(
        ME_URL, {USERNAME_FIELD: "renamed", "current_password": DEFAULT_PASSWORD}, format="json"
    )

    assert refused.status_code == 400
    assert list(refused.data) == ["current_password"]
    assert accepted.status_code == 200
    user.refresh_from_db()
    assert user.get_username() == "renamed"


@pytest.mark.django_db
def test_other_changes_and_the_same_identifiers_need_no_password(user, user_client):
    same = {EMAIL_FIELD: getattr(user, EMAIL_FIELD).upper()}
    if USERNAME_FIELD != EMAIL_FIELD:
        same[USERNAME_FIELD] = unicodedata.normalize("NFKC", user.get_username()).upper()

    response = user_client.patch(ME_URL, same, format="json")

    assert response.status_code == 200, response.data


@pytest.mark.django_db
@override_settings(SHOPCORE={"THROTTLE_RATES": {"profile": "2/min"}})
def test_profile_changes_are_throttled_per_user_but_reads_are_not(user, user_client):
    body = {EMAIL_FIELD: "probe@example.com", "current_password": "Wrong-Passphrase-42"}

    statuses = [user_client.patch(ME_URL, body, format="json").status_code for _ in range(3)]

    assert statuses == [400, 400, 429]
    assert user_client.get(ME_URL).status_code == 200
    assert bearer_client(UserFactory()).patch(ME_URL, body, format="json").status_code == 400
