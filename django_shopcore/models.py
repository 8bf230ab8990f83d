"""Database models: the category tree, products, and refresh-token families."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Substr
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

PATH_SEPARATOR = "/"


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class CategoryQuerySet(models.QuerySet):
    def subtree_of(self, category):
        """The category and all its descendants, in one indexed prefix query."""
        return self.filter(path__startswith=category.path)


class Category(TimestampedModel):
    """A node in the category tree, stored as a materialized path.

    ``path`` lists the ids from the root down to this node, e.g. ``/3/17/42/``,
    so a subtree is ``path LIKE '/3/17/%'``: one query on an index.
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=200, unique=True, allow_unicode=True)
    description = models.TextField(_("description"), blank=True, default="")
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        related_name="children",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    # Derived from ``parent``; maintained by save() and never edited directly.
    path = models.CharField(max_length=1024, editable=False, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["path"]
        indexes = [
            # varchar_pattern_ops lets PostgreSQL use the index for LIKE 'prefix%'
            # whatever the database collation.
            models.Index(
                fields=["path"], name="shopcore_category_path", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.parent_id is not None and self.would_make_cycle(self.parent):
            raise ValidationError({"parent": _("A category cannot be its own ancestor.")})

    def would_make_cycle(self, parent):
        """True when ``parent`` is this category or one of its descendants."""
        if self.pk is None or parent is None:
            return False
        return parent.pk == self.pk or parent.path.startswith(self.path)

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name, allow_unicode=True)[:200]
        with transaction.atomic():
            old_path, old_depth = self.path, self.depth
            if self.pk is None:
                # The path ends with our own id, which the insert assigns.
                super().save(*args, **kwargs)
                kwargs.pop("force_insert", None)
                args = ()
            self._set_path()
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                self._move_descendants(old_path, self.depth - old_depth)

    def _set_path(self):
        parent_path = self.parent.path if self.parent_id else PATH_SEPARATOR
        self.path = f"{parent_path}{self.pk}{PATH_SEPARATOR}"
        self.depth = self.path.count(PATH_SEPARATOR) - 2

    def _move_descendants(self, old_path, depth_change):
        """Rewrite the path prefix of every descendant in one UPDATE."""
        Category.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
            path=Concat(Value(self.path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + depth_change,
        )


class ProductQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def in_category_tree(self, category):
        return self.filter(category__in=Category.objects.subtree_of(category).values("pk"))


class Product(TimestampedModel):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True, allow_unicode=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), related_name="products", on_delete=models.PROTECT
    )
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2)
    description = models.TextField(_("description"), blank=True, default="")
    stock = models.IntegerField(_("stock"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="shopcore_product_price_gte_0"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="shopcore_product_stock_gte_0"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name, allow_unicode=True)[:200]
        super().save(*args, **kwargs)


class TokenFamily(models.Model):
    """Every refresh token descended from one login shares a family.

    Presenting an already-rotated refresh token revokes its whole family, so a
    stolen token stops working as soon as either party refreshes.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.CASCADE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("token family")
        verbose_name_plural = _("token families")

    def __str__(self):
        return str(self.id)
