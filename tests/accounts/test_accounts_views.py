"""The account endpoints: register, login, logout, me, password change and users/."""

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from django_shopcore.accounts.models import TokenFamily
from django_shopcore.accounts.tokens import RefreshToken

from ..conftest import bearer_client
from ..factories import DEFAULT_PASSWORD, AdminFactory, SuperuserFactory, UserFactory

pytestmark = pytest.mark.user_model_agnostic

User = get_user_model()
USERNAME_FIELD = User.USERNAME_FIELD
EMAIL_FIELD = User.get_email_field_name()
NEW_PASSWORD = "Another-Sturdy-Passphrase-42"

REGISTER_URL = reverse("shopcore_auth:register")
LOGIN_URL = reverse("shopcore_auth:login")
REFRESH_URL = reverse("shopcore_auth:refresh")
LOGOUT_URL = reverse("shopcore_auth:logout")
LOGOUT_ALL_URL = reverse("shopcore_auth:logout-all")
ME_URL = reverse("shopcore_auth:me")
PASSWORD_URL = reverse("shopcore_auth:password")
USERS_URL = reverse("shopcore_auth:user-list")


def user_url(user):
    return reverse("shopcore_auth:user-detail", args=[user.pk])


def sign_up_data(name="newcomer", **extra):
    """What a sign-up form sends, for whichever user model is installed."""
    data = {EMAIL_FIELD: f"{name}@example.com", "password": "Sturdy-Passphrase-42"}
    if USERNAME_FIELD != EMAIL_FIELD:
        data[USERNAME_FIELD] = name
    return {**data, **extra}


def credentials(user, password=DEFAULT_PASSWORD):
    return {USERNAME_FIELD: user.get_username(), "password": password}


def login(user, password=DEFAULT_PASSWORD):
    return APIClient().post(LOGIN_URL, credentials(user, password), format="json")


def refresh(token):
    return APIClient().post(REFRESH_URL, {"refresh": str(token)}, format="json")


def family_of(raw_token):
    return RefreshToken(raw_token, verify=False).family_id


# --- register ----------------------------------------------------------------


@pytest.mark.django_db
def test_register_creates_the_user_and_never_returns_the_password(api_client):
    response = api_client.post(REGISTER_URL, sign_up_data(), format="json")

    assert response.status_code == 201, response.data
    user = User.objects.get()
    assert response.data == {
        "id": user.pk,
        USERNAME_FIELD: user.get_username(),
        EMAIL_FIELD: "newcomer@example.com",
    }
    assert user.password != "Sturdy-Passphrase-42"
    assert user.check_password("Sturdy-Passphrase-42")


@pytest.mark.django_db
def test_register_ignores_privilege_fields(api_client):
    privileges = {
        "is_staff": True,
        "is_superuser": True,
        "is_active": False,
        "groups": [1],
        "user_permissions": [1],
    }

    response = api_client.post(REGISTER_URL, sign_up_data(**privileges), format="json")

    assert response.status_code == 201, response.data
    user = User.objects.get()
    assert (user.is_staff, user.is_superuser, user.is_active) == (False, False, True)
    assert not user.groups.exists()
    assert not user.user_permissions.exists()


@pytest.mark.django_db
def test_register_names_every_missing_field(api_client):
    response = api_client.post(REGISTER_URL, {}, format="json")

    assert response.status_code == 400
    assert set(response.data) == {USERNAME_FIELD, *User.REQUIRED_FIELDS, "password"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password",
    ["password", "12345678901234", "short"],
    ids=["common", "numeric", "too-short"],
)
def test_register_applies_the_password_validators(api_client, password):
    response = api_client.post(REGISTER_URL, sign_up_data(password=password), format="json")

    assert response.status_code == 400
    assert list(response.data) == ["password"]
    assert not User.objects.exists()


@pytest.mark.django_db
def test_register_validates_the_password_against_the_would_be_user(api_client):
    data = sign_up_data(name="margaret.hamilton")

    response = api_client.post(
        REGISTER_URL, {**data, "password": "margaret.hamilton@example"}, format="json"
    )

    assert response.status_code == 400
    assert "too similar" in str(response.data["password"])


@pytest.mark.django_db
@override_settings(SHOPCORE={"PASSWORD_MAX_LENGTH": 20})
def test_register_refuses_an_overlong_password_before_validating_or_hashing(
    api_client, monkeypatch
):
    def must_not_run(*args, **kwargs):
        raise AssertionError("an overlong password reached the validators")

    monkeypatch.setattr("django_shopcore.accounts.serializers.validate_password", must_not_run)

    response = api_client.post(REGISTER_URL, sign_up_data(password="x" * 21), format="json")

    assert response.status_code == 400
    assert response.data["password"] == ["Ensure this field has no more than 20 characters."]


@pytest.mark.django_db
def test_register_refuses_a_taken_login(api_client):
    existing = UserFactory()

    response = api_client.post(
        REGISTER_URL,
        sign_up_data(**{USERNAME_FIELD: existing.get_username()}),
        format="json",
    )

    assert response.status_code == 400
    assert USERNAME_FIELD in response.data


@pytest.mark.django_db
def test_register_refuses_a_taken_email_whatever_its_case(api_client):
    UserFactory(**{EMAIL_FIELD: "taken@example.com"})

    response = api_client.post(
        REGISTER_URL, sign_up_data(**{EMAIL_FIELD: "TAKEN@Example.COM"}), format="json"
    )

    assert response.status_code == 400
    assert EMAIL_FIELD in response.data
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_register_keeps_spaces_in_passwords(api_client):
    password = "  Sturdy-Passphrase-42  "
    api_client.post(REGISTER_URL, sign_up_data(password=password), format="json")
    user = User.objects.get()

    assert login(user, password).status_code == 200
    assert login(user, password.strip()).status_code == 401


# --- login -------------------------------------------------------------------


@pytest.mark.django_db
def test_login_returns_a_token_pair_and_starts_a_token_family(user):
    response = login(user)

    assert response.status_code == 200
    assert set(response.data) == {"access", "refresh"}
    family = TokenFamily.objects.get()
    assert family.user == user
    assert RefreshToken(response.data["refresh"]).family_id == family.pk
    me = APIClient(HTTP_AUTHORIZATION=f"Bearer {response.data['access']}").get(ME_URL)
    assert me.status_code == 200
    assert me.data["id"] == user.pk


@pytest.mark.django_db
def test_login_failures_are_indistinguishable(user):
    inactive = UserFactory(is_active=False)

    responses = [
        login(user, "Wrong-Passphrase-42"),
        APIClient().post(
            LOGIN_URL, {USERNAME_FIELD: "nobody@example.com", "password": "x"}, format="json"
        ),
        login(inactive),
    ]

    assert [response.status_code for response in responses] == [401, 401, 401]
    assert len({response.content for response in responses}) == 1
    assert responses[0]["WWW-Authenticate"] == 'Bearer realm="api"'
    assert not TokenFamily.objects.exists()


@pytest.mark.django_db
@override_settings(SHOPCORE={"AUTHENTICATION_CLASSES": []})
def test_login_failure_without_any_authentication_class_is_not_a_500(user):
    # No scheme to name in WWW-Authenticate: DRF then answers 403 instead of 401.
    assert login(user, "Wrong-Passphrase-42").status_code == 403


@pytest.mark.django_db
def test_login_names_missing_fields(api_client):
    response = api_client.post(LOGIN_URL, {}, format="json")

    assert response.status_code == 400
    assert set(response.data) == {USERNAME_FIELD, "password"}


@pytest.mark.django_db
@override_settings(SHOPCORE={"PASSWORD_MAX_LENGTH": 20})
def test_login_refuses_an_overlong_password_before_hashing(user, monkeypatch):
    def must_not_run(*args, **kwargs):
        raise AssertionError("an overlong password reached authentication")

    monkeypatch.setattr("rest_framework_simplejwt.serializers.authenticate", must_not_run)

    response = login(user, "x" * 21)

    assert response.status_code == 400
    assert list(response.data) == ["password"]


@pytest.mark.django_db
def test_login_ignores_a_stale_authorization_header(user):
    client = APIClient(HTTP_AUTHORIZATION="Bearer expired.or.garbage")

    response = client.post(LOGIN_URL, credentials(user), format="json")

    assert response.status_code == 200


# --- logout ------------------------------------------------------------------


@pytest.mark.django_db
def test_logout_blacklists_the_token_and_ends_its_login(user, user_client):
    tokens = login(user).data

    response = user_client.post(LOGOUT_URL, {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 204
    assert refresh(tokens["refresh"]).status_code == 401
    assert TokenFamily.objects.get(pk=RefreshToken(tokens["refresh"], verify=False).family_id)
    assert TokenFamily.objects.filter(revoked_at__isnull=False).count() == 1


@pytest.mark.django_db
def test_logout_leaves_the_users_other_logins_alone(user, user_client):
    phone, laptop = login(user).data, login(user).data

    user_client.post(LOGOUT_URL, {"refresh": phone["refresh"]}, format="json")

    assert refresh(laptop["refresh"]).status_code == 200


@pytest.mark.django_db
def test_logout_refuses_someone_elses_token(user_client):
    victim_tokens = login(UserFactory()).data

    response = user_client.post(LOGOUT_URL, {"refresh": victim_tokens["refresh"]}, format="json")

    assert response.status_code == 403
    assert refresh(victim_tokens["refresh"]).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "This field is required."),
        ({"refresh": "not-a-token"}, "Token is invalid"),
    ],
)
def test_logout_names_a_missing_or_invalid_token(user_client, body, message):
    response = user_client.post(LOGOUT_URL, body, format="json")

    assert response.status_code == 400
    assert response.data == {"refresh": [message]}


@pytest.mark.django_db
def test_logging_out_twice_is_refused_the_second_time(user, user_client):
    body = {"refresh": login(user).data["refresh"]}
    user_client.post(LOGOUT_URL, body, format="json")

    response = user_client.post(LOGOUT_URL, body, format="json")

    assert response.status_code == 400
    assert response.data == {"refresh": ["Token is blacklisted"]}


@pytest.mark.django_db
def test_logout_refuses_an_access_token(user, user_client):
    access = login(user).data["access"]

    response = user_client.post(LOGOUT_URL, {"refresh": access}, format="json")

    assert response.status_code == 400
    assert response.data == {"refresh": ["Token has wrong type"]}


@pytest.mark.django_db
def test_logout_needs_authentication(user, api_client):
    response = api_client.post(LOGOUT_URL, {"refresh": login(user).data["refresh"]})

    assert response.status_code == 401
    assert "WWW-Authenticate" in response


@pytest.mark.django_db
def test_logout_all_revokes_every_login_of_the_caller_only(user, user_client):
    phone, laptop = login(user).data, login(user).data
    someone_else = login(UserFactory()).data

    response = user_client.post(LOGOUT_ALL_URL)

    assert response.status_code == 204
    assert refresh(phone["refresh"]).status_code == 401
    assert refresh(laptop["refresh"]).status_code == 401
    assert refresh(someone_else["refresh"]).status_code == 200


@pytest.mark.django_db
def test_logout_all_needs_authentication(api_client):
    assert api_client.post(LOGOUT_ALL_URL).status_code == 401


# --- me ----------------------------------------------------------------------


@pytest.mark.django_db
def test_me_shows_the_callers_profile_without_the_password(user, user_client):
    response = user_client.get(ME_URL)

    assert response.status_code == 200
    assert response.data["id"] == user.pk
    assert response.data[USERNAME_FIELD] == user.get_username()
    assert "password" not in response.data


@pytest.mark.django_db
def test_me_needs_authentication(api_client):
    response = api_client.get(ME_URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.django_db
def test_me_patch_changes_the_profile(user, user_client):
    response = user_client.patch(
        ME_URL,
        {EMAIL_FIELD: "renamed@example.com", "current_password": DEFAULT_PASSWORD},
        format="json",
    )

    assert response.status_code == 200, response.data
    assert "current_password" not in response.data
    user.refresh_from_db()
    assert getattr(user, EMAIL_FIELD) == "renamed@example.com"


@pytest.mark.django_db
def test_me_patch_cannot_change_privileges_id_or_password(user, user_client):
    original_pk, original_hash = user.pk, user.password

    response = user_client.patch(
        ME_URL,
        {
            "id": original_pk + 100,
            "is_staff": True,
            "is_superuser": True,
            "is_active": False,
            "groups": [1],
            "password": "Changed-Passphrase-42",
        },
        format="json",
    )

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.pk == original_pk
    assert (user.is_staff, user.is_superuser, user.is_active) == (False, False, True)
    assert user.password == original_hash


@pytest.mark.django_db
def test_me_patch_refuses_an_email_taken_by_another_user(user_client):
    UserFactory(**{EMAIL_FIELD: "taken@example.com"})

    response = user_client.patch(
        ME_URL,
        {EMAIL_FIELD: "Taken@example.com", "current_password": DEFAULT_PASSWORD},
        format="json",
    )

    assert response.status_code == 400
    assert EMAIL_FIELD in response.data


@pytest.mark.django_db
def test_me_patch_may_keep_the_callers_own_email(user, user_client):
    response = user_client.patch(
        ME_URL, {EMAIL_FIELD: getattr(user, EMAIL_FIELD).upper()}, format="json"
    )

    assert response.status_code == 200, response.data


@pytest.mark.django_db
def test_me_refuses_put(user_client):
    assert user_client.put(ME_URL, {}, format="json").status_code == 405


# --- password change ---------------------------------------------------------


@pytest.mark.django_db
def test_password_change_replaces_the_password(user, user_client):
    response = user_client.post(
        PASSWORD_URL,
        {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )

    assert response.status_code == 204
    assert login(user, NEW_PASSWORD).status_code == 200
    assert login(user, DEFAULT_PASSWORD).status_code == 401


@pytest.mark.django_db
def test_password_change_revokes_refresh_and_access_tokens(user):
    tokens = login(user).data
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    client.post(
        PASSWORD_URL,
        {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )

    assert refresh(tokens["refresh"]).status_code == 401
    response = client.get(ME_URL)
    assert response.status_code == 401
    assert response.data["code"] == "password_changed"


@pytest.mark.django_db
def test_password_change_checks_the_old_password(user, user_client):
    response = user_client.post(
        PASSWORD_URL,
        {"old_password": "Wrong-Passphrase-42", "new_password": NEW_PASSWORD},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.data) == ["old_password"]
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


@pytest.mark.django_db
def test_password_change_applies_the_validators(user, user_client):
    response = user_client.post(
        PASSWORD_URL, {"old_password": DEFAULT_PASSWORD, "new_password": "password"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.data) == ["new_password"]


@pytest.mark.django_db
def test_password_change_names_missing_fields(user_client):
    response = user_client.post(PASSWORD_URL, {}, format="json")

    assert response.status_code == 400
    assert set(response.data) == {"old_password", "new_password"}


@pytest.mark.django_db
def test_password_change_needs_authentication(api_client):
    assert api_client.post(PASSWORD_URL, {}, format="json").status_code == 401


# --- deactivation ------------------------------------------------------------


@pytest.mark.django_db
def test_a_deactivated_user_can_neither_log_in_refresh_nor_use_an_access_token(user):
    tokens = login(user).data
    user.is_active = False
    user.save()

    assert login(user).status_code == 401
    assert refresh(tokens["refresh"]).status_code == 401
    response = APIClient(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}").get(ME_URL)
    assert response.status_code == 401


# --- users/ ------------------------------------------------------------------


@pytest.mark.django_db
def test_users_list_is_paginated_for_admins(admin_client):
    UserFactory.create_batch(3)

    response = admin_client.get(USERS_URL, {"page_size": 2})

    assert response.status_code == 200
    assert response.data["count"] == 4
    assert len(response.data["results"]) == 2
    assert response.data["next"] is not None
    assert all("password" not in row for row in response.data["results"])


@pytest.mark.django_db
def test_users_refuses_non_admins(user, user_client):
    other = UserFactory()

    assert user_client.get(USERS_URL).status_code == 403
    assert user_client.get(user_url(other)).status_code == 403
    assert user_client.get(user_url(user)).status_code == 403
    assert user_client.post(USERS_URL, sign_up_data(), format="json").status_code == 403
    assert user_client.delete(user_url(other)).status_code == 403


@pytest.mark.django_db
def test_users_needs_authentication(api_client):
    response = api_client.get(USERS_URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.django_db
def test_admin_creates_a_user_with_a_hashed_validated_password(admin_client):
    response = admin_client.post(USERS_URL, sign_up_data(is_active=False), format="json")

    assert response.status_code == 201, response.data
    created = User.objects.get(pk=response.data["id"])
    assert not created.is_active
    assert created.check_password("Sturdy-Passphrase-42")
    assert "password" not in response.data


@pytest.mark.django_db
def test_admin_create_needs_a_valid_password(admin_client):
    data = sign_up_data()
    del data["password"]

    missing = admin_client.post(USERS_URL, data, format="json")
    weak = admin_client.post(USERS_URL, {**data, "password": "password"}, format="json")

    assert missing.status_code == weak.status_code == 400
    assert list(missing.data) == list(weak.data) == ["password"]


@pytest.mark.django_db
def test_admin_cannot_grant_superuser(admin_client):
    response = admin_client.post(USERS_URL, sign_up_data(is_superuser=True), format="json")

    assert response.status_code == 403
    assert not User.objects.filter(is_superuser=True).exists()


@pytest.mark.django_db
def test_admin_retrieves_updates_and_deletes_a_user(admin_client):
    user = UserFactory()

    assert admin_client.get(user_url(user)).data["id"] == user.pk
    put = admin_client.put(
        user_url(user), sign_up_data(name="replaced", password=NEW_PASSWORD), format="json"
    )
    assert put.status_code == 200, put.data
    user.refresh_from_db()
    assert getattr(user, EMAIL_FIELD) == "replaced@example.com"
    assert user.check_password(NEW_PASSWORD)

    assert admin_client.delete(user_url(user)).status_code == 204
    assert not User.objects.filter(pk=user.pk).exists()


@pytest.mark.django_db
def test_admin_update_keeps_the_password_when_none_is_given(admin_client):
    user = UserFactory()

    response = admin_client.patch(user_url(user), {"is_active": True}, format="json")

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


@pytest.mark.django_db
def test_admin_deactivating_a_user_revokes_their_tokens(admin_client):
    user = UserFactory()
    tokens = login(user).data

    response = admin_client.patch(user_url(user), {"is_active": False}, format="json")

    assert response.status_code == 200
    assert refresh(tokens["refresh"]).status_code == 401
    access_client = APIClient(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert access_client.get(ME_URL).status_code == 401
    user.is_active = True
    user.save()
    # Reactivation does not bring the revoked login back.
    assert refresh(tokens["refresh"]).status_code == 401


@pytest.mark.django_db
def test_admin_setting_a_password_revokes_the_users_tokens(admin_client):
    user = UserFactory()
    tokens = login(user).data

    admin_client.patch(user_url(user), {"password": NEW_PASSWORD}, format="json")

    assert refresh(tokens["refresh"]).status_code == 401


@pytest.mark.django_db
def test_admin_cannot_delete_their_own_account(admin_user, admin_client):
    response = admin_client.delete(user_url(admin_user))

    assert response.status_code == 409
    assert "detail" in response.data
    assert User.objects.filter(pk=admin_user.pk).exists()


@pytest.mark.django_db
def test_staff_cannot_change_or_delete_a_superuser(admin_client):
    superuser = SuperuserFactory()

    patch = admin_client.patch(user_url(superuser), {"password": NEW_PASSWORD}, format="json")
    delete = admin_client.delete(user_url(superuser))

    assert patch.status_code == delete.status_code == 403
    superuser.refresh_from_db()
    assert superuser.check_password(DEFAULT_PASSWORD)


@pytest.mark.django_db
def test_a_superuser_can_change_another_superuser():
    client = bearer_client(SuperuserFactory())
    other = SuperuserFactory()

    response = client.patch(user_url(other), {"is_staff": False}, format="json")

    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("spelling", ["999999", "not-an-id", "%20{pk}", "+{pk}", "{pk}.0"])
def test_users_unknown_or_malformed_id_is_404(admin_user, admin_client, spelling):
    response = admin_client.get(f"{USERS_URL}{spelling.format(pk=admin_user.pk)}/")

    assert response.status_code == 404


@pytest.mark.django_db
@override_settings(
    SHOPCORE={"USER_ADMIN_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"]}
)
def test_users_permissions_come_from_settings(user_client):
    assert user_client.get(USERS_URL).status_code == 200


@pytest.mark.django_db
def test_an_admin_is_a_staff_user_not_a_superuser():
    client = bearer_client(AdminFactory(is_superuser=False))

    assert client.get(USERS_URL).status_code == 200


# --- query counts ------------------------------------------------------------


@pytest.mark.django_db
def test_me_costs_one_query(user_client, django_assert_num_queries):
    # Loading the user is all authentication needs: the password check is an HMAC.
    with django_assert_num_queries(1):
        assert user_client.get(ME_URL).status_code == 200


@pytest.mark.django_db
def test_users_list_costs_three_queries_whatever_its_length(
    admin_client, django_assert_num_queries
):
    UserFactory.create_batch(5)

    # The admin, the count, the page.
    with django_assert_num_queries(3):
        assert admin_client.get(USERS_URL).status_code == 200


@pytest.mark.django_db
def test_login_costs_three_queries(user, django_assert_num_queries):
    # The user, the new family, the outstanding token.
    with django_assert_num_queries(3):
        assert login(user).status_code == 200


# --- caching of token responses ----------------------------------------------


@pytest.mark.django_db
def test_token_responses_are_never_stored_by_caches(user):
    logged_in = login(user)
    refreshed = refresh(logged_in.data["refresh"])

    for response in (logged_in, refreshed):
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_logging_out_with_a_rotated_token_ends_the_whole_login(user, user_client):
    rotated = login(user).data["refresh"]
    successor = refresh(rotated).data["refresh"]

    response = user_client.post(LOGOUT_URL, {"refresh": rotated}, format="json")

    assert response.status_code == 400
    assert response.data == {"refresh": ["Token is blacklisted"]}
    # As at refresh/: the token the thief (or the other tab) holds is dead too.
    assert refresh(successor).status_code == 401
    assert TokenFamily.objects.get(pk=family_of(rotated)).revoked_at is not None


@pytest.mark.django_db
def test_a_rotated_token_of_someone_else_is_refused_without_revoking(user_client):
    victim = UserFactory()
    rotated = login(victim).data["refresh"]
    successor = refresh(rotated).data["refresh"]

    response = user_client.post(LOGOUT_URL, {"refresh": rotated}, format="json")

    assert response.status_code == 403
    assert TokenFamily.objects.get(pk=family_of(rotated)).revoked_at is None
    assert refresh(successor).status_code == 200
