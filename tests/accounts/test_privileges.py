"""Only a superuser manages other staff accounts or grants staff and superuser status."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from ..conftest import bearer_client
from ..factories import DEFAULT_PASSWORD, AdminFactory, SuperuserFactory, UserFactory

User = get_user_model()
USERS_URL = reverse("shopcore_auth:user-list")
NEW_PASSWORD = "Another-Sturdy-Passphrase-42"


def user_url(user):
    return reverse("shopcore_auth:user-detail", args=[user.pk])


def new_user_data(**extra):
    data = {User.get_email_field_name(): "newcomer@example.com", "password": NEW_PASSWORD}
    if User.get_email_field_name() != User.USERNAME_FIELD:
        data[User.USERNAME_FIELD] = "newcomer"
    return {**data, **extra}


# --- the API: users/ -----------------------------------------------------------


@pytest.mark.user_model_agnostic
@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"password": NEW_PASSWORD},
        {"is_staff": False},
        {"is_active": False},
        {User.get_email_field_name(): "taken-over@example.com"},
    ],
)
def test_staff_cannot_change_another_staff_account(admin_client, change):
    other = AdminFactory()

    response = admin_client.patch(user_url(other), change, format="json")

    assert response.status_code == 403
    other.refresh_from_db()
    assert other.check_password(DEFAULT_PASSWORD)
    assert (other.is_staff, other.is_active) == (True, True)
    assert getattr(other, User.get_email_field_name()) != "taken-over@example.com"


@pytest.mark.user_model_agnostic
@pytest.mark.django_db
def test_staff_cannot_delete_another_staff_account(admin_client):
    other = AdminFactory()

    response = admin_client.delete(user_url(other))

    assert response.status_code == 403
    assert User.objects.filter(pk=other.pk).exists()


@pytest.mark.user_model_agnostic
@pytest.mark.django_db
@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_staff_cannot_grant_a_privilege(admin_user, admin_client, flag):
    user = UserFactory()

    to_user = admin_client.patch(user_url(user), {flag: True}, format="json")
    # Staff already: only is_superuser would be new.
    to_self = admin_client.patch(user_url(admin_user), {"is_superuser": True}, format="json")
    created = admin_client.post(USERS_URL, new_user_data(**{flag: True}), format="json")

    assert to_user.status_code == to_self.status_code == created.status_code == 403
    user.refresh_from_db()
    admin_user.refresh_from_db()
    assert not getattr(user, flag)
    assert not admin_user.is_superuser
    assert not User.objects.filter(**{User.USERNAME_FIELD: "newcomer"}).exists()


@pytest.mark.user_model_agnostic
@pytest.mark.django_db
def test_staff_still_manage_non_staff_accounts_and_their_own(admin_user, admin_client):
    user = UserFactory()

    other = admin_client.patch(user_url(user), {"password": NEW_PASSWORD}, format="json")
    own = admin_client.patch(user_url(admin_user), {"is_active": True}, format="json")
    kept = admin_client.patch(user_url(admin_user), {"is_staff": True}, format="json")

    assert other.status_code == own.status_code == kept.status_code == 200


@pytest.mark.user_model_agnostic
@pytest.mark.django_db
def test_a_superuser_grants_and_manages_staff():
    client = bearer_client(SuperuserFactory())
    user, staff = UserFactory(), AdminFactory()

    granted = client.patch(user_url(user), {"is_staff": True, "is_superuser": True}, format="json")
    changed = client.patch(user_url(staff), {"password": NEW_PASSWORD}, format="json")
    created = client.post(USERS_URL, new_user_data(is_staff=True), format="json")

    assert (granted.status_code, changed.status_code, created.status_code) == (200, 200, 201)
    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser) == (True, True)


# --- the Django admin: ShopcoreUserAdmin ----------------------------------------


@pytest.fixture
def staff_with_user_perms(db):
    staff = AdminFactory()
    staff.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="auth",
            codename__in=["view_user", "change_user", "delete_user", "add_user"],
        )
    )
    return staff


def admin_client_for(user):
    client = Client()
    client.force_login(user)
    return client


def change_form_data(user, **extra):
    data = {
        "username": user.username,
        "email": user.email,
        "first_name": "",
        "last_name": "",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "last_login_0": "",
        "last_login_1": "",
    }
    return {**data, **extra}


def change_url(user):
    return reverse("hardened_admin:auth_user_change", args=[user.pk])


@pytest.mark.urls("tests.urls_admin")
def test_staff_cannot_grant_themselves_superuser_in_the_admin(staff_with_user_perms):
    staff = staff_with_user_perms
    every_permission = list(Permission.objects.values_list("pk", flat=True))
    client = admin_client_for(staff)

    response = client.post(
        change_url(staff),
        change_form_data(
            staff,
            first_name="Renamed",
            is_superuser="on",
            is_staff="on",
            user_permissions=every_permission,
        ),
    )

    assert response.status_code == 302, response.content[:2000]
    staff.refresh_from_db()
    assert staff.first_name == "Renamed"
    assert not staff.is_superuser
    assert staff.user_permissions.count() == 4


@pytest.mark.urls("tests.urls_admin")
def test_staff_cannot_change_or_delete_another_staff_account_in_the_admin(
    staff_with_user_perms,
):
    other = AdminFactory()
    client = admin_client_for(staff_with_user_perms)
    password_url = reverse("hardened_admin:auth_user_password_change", args=[other.pk])
    delete_url = reverse("hardened_admin:auth_user_delete", args=[other.pk])

    change = client.post(change_url(other), change_form_data(other, email="x@example.com"))
    password = client.post(password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    delete = client.post(delete_url, {"post": "yes"})
    bulk = client.post(
        reverse("hardened_admin:auth_user_changelist"),
        {"action": "delete_selected", "_selected_action": [other.pk], "post": "yes"},
    )

    assert change.status_code == password.status_code == delete.status_code == 403
    assert User.objects.filter(pk=other.pk).exists()
    # The bulk action asks has_delete_permission(obj) of each object too.
    assert bulk.status_code == 403
    other.refresh_from_db()
    assert other.email != "x@example.com"
    assert other.check_password(DEFAULT_PASSWORD)


@pytest.mark.urls("tests.urls_admin")
def test_staff_may_view_another_staff_account_and_change_a_customer(staff_with_user_perms):
    other, customer = AdminFactory(), UserFactory()
    client = admin_client_for(staff_with_user_perms)

    view = client.get(change_url(other))
    change = client.post(change_url(customer), change_form_data(customer, first_name="Kim"))

    assert view.status_code == 200
    assert change.status_code == 302
    customer.refresh_from_db()
    assert customer.first_name == "Kim"


@pytest.mark.urls("tests.urls_admin")
def test_a_superuser_grants_superuser_in_the_admin(db):
    superuser, staff = SuperuserFactory(), AdminFactory()
    client = admin_client_for(superuser)

    response = client.post(
        change_url(staff), change_form_data(staff, is_staff="on", is_superuser="on")
    )

    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.is_superuser
