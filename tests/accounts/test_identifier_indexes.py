"""The database refuses usernames and e-mail addresses that differ only in case (auth.User)."""

import importlib
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, connection, transaction

from django_shopcore.accounts.normalization import identifier_clashes, identifier_constraints

pytestmark = pytest.mark.skipif(
    settings.AUTH_USER_MODEL != "auth.User", reason="the indexes are for auth.User only"
)

migration = importlib.import_module(
    "django_shopcore.accounts.migrations.0002_user_identifier_indexes"
)


def user_model():
    return apps.get_model("auth", "User")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"username": "alice"}, {"username": "ALICE"}),
        (
            {"username": "a1", "email": "x@example.com"},
            {"username": "a2", "email": "X@example.com"},
        ),
    ],
)
def test_the_database_refuses_a_name_differing_only_in_case(first, second):
    user_model().objects.create(**first)

    with pytest.raises(IntegrityError), transaction.atomic():
        user_model().objects.create(**second)


@pytest.mark.django_db
def test_many_users_may_leave_the_email_blank():
    user_model().objects.create(username="a", email="")
    user_model().objects.create(username="b", email="")

    assert user_model().objects.filter(email="").count() == 2


@pytest.fixture
def without_indexes(django_db_blocker):
    """The user table as before migration 0002, put back afterwards."""
    with django_db_blocker.unblock(), connection.schema_editor() as editor:
        for constraint in identifier_constraints():
            editor.remove_constraint(user_model(), constraint)
    yield
    with django_db_blocker.unblock():
        user_model().objects.all().delete()
        with connection.schema_editor() as editor:
            for constraint in identifier_constraints():
                editor.add_constraint(user_model(), constraint)


@pytest.mark.django_db(transaction=True)
def test_the_migration_lists_existing_clashes_instead_of_failing_on_an_index(without_indexes):
    for username, email in [("Bob", "b1@example.com"), ("BOB", "B1@EXAMPLE.COM"), ("eve", "")]:
        user_model().objects.create(username=username, email=email)

    assert identifier_clashes(user_model()) == {
        "username": ["BOB", "Bob"],
        "email": ["B1@EXAMPLE.COM", "b1@example.com"],
    }
    listing = re.escape("username: BOB, Bob; email: B1@EXAMPLE.COM, b1@example.com")
    with pytest.raises(RuntimeError, match=listing), connection.schema_editor() as editor:
        migration.add_indexes(apps, editor)
