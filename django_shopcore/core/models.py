"""Model building blocks shared by the shopcore apps; no concrete models."""

from django.db import IntegrityError, models, router, transaction
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

SLUG_MAX_LENGTH = 200
# Tries at a derived slug: each failed one means that a concurrent writer
# committed that very slug meanwhile, so it takes this many writers of one name
# at the same instant to exhaust them.
DERIVED_SLUG_ATTEMPTS = 50


def unique_slug(model, name, exclude_pk=None):
    """A slug for ``name`` unused by other ``model`` rows: ``name``, ``name-2``, ``name-3``..."""
    base = slugify(name, allow_unicode=True)[: SLUG_MAX_LENGTH - 8].strip("-") or "item"
    taken = set(
        model.objects.filter(Q(slug=base) | Q(slug__startswith=f"{base}-"))
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


def save_with_derived_slug(instance, save):
    """Run ``save()`` with a slug derived from ``instance.name``; the next free one on a race.

    unique_slug() cannot see the rows of uncommitted transactions: two writers
    of one name pick the same slug, and the database refuses the second
    insert. That writer tries again, in a savepoint, with a fresh pick.
    """
    model = type(instance)
    using = router.db_for_write(model, instance=instance)
    for attempt in range(1, DERIVED_SLUG_ATTEMPTS + 1):
        instance.slug = unique_slug(model, instance.name, exclude_pk=instance.pk)
        try:
            with transaction.atomic(using=using):
                return save()
        except IntegrityError as exc:
            if attempt == DERIVED_SLUG_ATTEMPTS or constraint_field(str(exc), model) != "slug":
                raise


def constraint_field(message, model):
    """The field a database error message names, through the model's constraints.

    PostgreSQL messages quote the constraint name; SQLite's name the column
    (``UNIQUE constraint failed: table.column``) or the CHECK constraint.
    """
    if model is None:
        return None
    opts = model._meta
    for constraint in opts.constraints:
        if constraint.name in message:
            fields = getattr(constraint, "fields", ()) or constraint_check_fields(constraint)
            if fields:
                return fields[0]
    for field in opts.concrete_fields:
        if f"{opts.db_table}.{field.column}" in message:
            return field.name
    return None


def constraint_check_fields(constraint):
    condition = getattr(constraint, "condition", None)
    if condition is None:
        return ()
    return [child[0].split("__")[0] for child in condition.children if isinstance(child, tuple)]


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True
