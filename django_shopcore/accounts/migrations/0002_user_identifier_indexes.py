"""Case-insensitive unique indexes on auth.User's username and e-mail address.

Only for ``auth.User`` on PostgreSQL and SQLite: a custom user model belongs
to its host, which declares such constraints in its own Meta (see
docs/authentication.md). Existing clashes stop the migration with a list of
them, to be resolved by hand, rather than failing on an opaque index error.
"""

from django.conf import settings
from django.db import migrations

from django_shopcore.accounts.normalization import (
    INDEXED_VENDORS,
    identifier_clashes,
    identifier_constraints,
)


def applies(schema_editor):
    return (
        settings.AUTH_USER_MODEL.lower() == "auth.user"
        and schema_editor.connection.vendor in INDEXED_VENDORS
    )


def add_indexes(apps, schema_editor):
    if not applies(schema_editor):
        return
    user_model = apps.get_model("auth", "User")
    clashes = identifier_clashes(user_model, schema_editor.connection.alias)
    if clashes:
        listing = "; ".join(f"{field}: {', '.join(names)}" for field, names in clashes.items())
        raise RuntimeError(
            "These users' names differ only in case, so the case-insensitive unique "
            f"indexes of django-shopcore cannot be created: {listing}. Rename or merge "
            "them, then run migrate again."
        )
    for constraint in identifier_constraints():
        schema_editor.add_constraint(user_model, constraint)


def remove_indexes(apps, schema_editor):
    if not applies(schema_editor):
        return
    user_model = apps.get_model("auth", "User")
    for constraint in identifier_constraints():
        schema_editor.remove_constraint(user_model, constraint)


class Migration(migrations.Migration):

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("shopcore_accounts", "0001_initial"),
    ]

    operations = [migrations.RunPython(add_indexes, remove_indexes, elidable=False)]
