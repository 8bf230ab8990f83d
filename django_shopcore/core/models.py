"""Model building blocks shared by the shopcore apps; no concrete models."""

from django.db import models
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

SLUG_MAX_LENGTH = 200


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


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True
