"""Catalog models: the category tree and products."""

from functools import partial

from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.db.models import F, Max, Min, Q, Subquery, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils.translation import gettext_lazy as _

from ..core.ids import BIGINT_MAX_DIGITS
from ..core.models import SLUG_MAX_LENGTH, TimestampedModel, save_with_derived_slug

PATH_SEPARATOR = "/"
PATH_MAX_LENGTH = 1024
# A taken name or slug: DRF's UniqueValidator message, which the serializers
# derive from the unique constraints (and the admin's forms show too).
UNIQUE_ERROR_MESSAGES = {"unique": _("This field must be unique.")}


# The PostgreSQL advisory lock key that serializes tree writes (any bigint
# unused by the host; this one spells "shopcat" in ASCII).
TREE_LOCK_KEY = 0x73686F70636174


def lock_tree(using):
    """Serialize the tree writes of concurrent transactions until this one ends.

    Row locks alone deadlock: a move updates every descendant, in an order no
    lock taken beforehand can match when two subtrees move into each other.
    Transaction-scoped, so that it holds behind a pgbouncer in transaction mode.
    SQLite needs none: it serializes all writes.
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [TREE_LOCK_KEY])


class CategoryQuerySet(models.QuerySet):
    def subtree_at(self, path):
        """The categories whose path starts with ``path`` (a string or an expression)."""
        return self.filter(path__startswith=path)

    def subtree_of(self, category):
        """The category and all its descendants, in one prefix query.

        ``category`` is a Category, whose path as loaded is the prefix (a
        literal: PostgreSQL scans the path index), or a Q naming one, whose
        path as stored is read in the same statement: so a concurrent move
        cannot slip between reading the path and using it, and an unknown
        category has an empty subtree.
        """
        if isinstance(category, Q):
            stored_path = Category.objects.filter(category).order_by().values("path")[:1]
            return self.subtree_at(Subquery(stored_path))
        return self.subtree_at(category.path)


class Category(TimestampedModel):
    """A node in the category tree, stored as a materialized path.

    ``path`` lists the ids from the root down to this node, e.g. ``/3/17/42/``,
    so a subtree is ``path LIKE '/3/17/%'``: one query on an index.
    """

    name = models.CharField(_("name"), max_length=200, error_messages=UNIQUE_ERROR_MESSAGES)
    # Indexed by the unique constraint in Meta (db_index would add two more).
    slug = models.SlugField(
        _("slug"),
        max_length=SLUG_MAX_LENGTH,
        allow_unicode=True,
        db_index=False,
        error_messages=UNIQUE_ERROR_MESSAGES,
    )
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
    path = models.CharField(max_length=PATH_MAX_LENGTH, editable=False, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        # The table names of the single-app releases: raw SQL and existing databases stay valid.
        db_table = "shopcore_category"
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["path"]
        # Constraints rather than unique=True: on PostgreSQL unique=True adds a
        # second, ``_like`` index that no query of ours would use.
        constraints = [
            models.UniqueConstraint(fields=["name"], name="shopcore_category_name_uniq"),
            models.UniqueConstraint(fields=["slug"], name="shopcore_category_slug_uniq"),
        ]
        indexes = [
            # varchar_pattern_ops lets PostgreSQL use the index for LIKE 'prefix%'
            # whatever the database collation.
            models.Index(
                fields=["path"], name="shopcore_category_path", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.slug:
            self._save_in_tree(*args, **kwargs)
        else:
            save_with_derived_slug(self, partial(self._save_in_tree, *args, **kwargs))

    def _save_in_tree(self, *args, **kwargs):
        """Save, keeping ``path`` and ``depth`` (and the descendants' on a move) right."""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "parent" not in update_fields:
            super().save(*args, **kwargs)
            return
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "path", "depth"}
        using = kwargs.get("using") or router.db_for_write(Category, instance=self)
        with transaction.atomic(using=using):
            if self._state.adding:
                # The path ends with our own id, which the insert assigns.
                if self.parent_id is not None:
                    # A move of an ancestor must not miss the new row.
                    lock_tree(using)
                super().save(*args, **kwargs)
                self._set_path(self._parent_path())
                super().save(using=using, update_fields=["path", "depth"])
                return
            lock_tree(using)
            # Read the stored paths, the in-memory ones may be stale if an ancestor
            # moved; locked in id order for databases without the tree lock.
            stored_paths = dict(
                Category.objects.select_for_update()
                .filter(pk__in=[pk for pk in (self.pk, self.parent_id) if pk is not None])
                .order_by("pk")
                .values_list("pk", "path")
            )
            old_path = stored_paths[self.pk]
            if self.parent_id is None:
                parent_path = PATH_SEPARATOR
            elif self.parent_id in stored_paths:
                parent_path = stored_paths[self.parent_id]
            else:
                raise ValidationError({"parent": _("This category does not exist.")})
            if parent_path.startswith(old_path):
                raise ValidationError({"parent": _("A category cannot be its own ancestor.")})
            self._set_path(parent_path)
            super().save(*args, **kwargs)
            if old_path != self.path:
                self._move_descendants(old_path)

    def clean(self):
        super().clean()
        if self.would_make_cycle(self.parent):
            raise ValidationError({"parent": _("A category cannot be its own ancestor.")})

    def would_make_cycle(self, parent):
        """True when ``parent`` is this category or one of its descendants (as stored now)."""
        if self._state.adding or parent is None:
            return False
        return (
            parent.pk == self.pk
            or Category.objects.subtree_of(Q(pk=self.pk)).filter(pk=parent.pk).exists()
        )

    def fits_under(self, parent):
        """False when moving here would make this subtree's paths too long to store."""
        parent_path = parent.path if parent is not None else PATH_SEPARATOR
        if self._state.adding:
            return len(parent_path) + BIGINT_MAX_DIGITS + 1 <= PATH_MAX_LENGTH
        # One statement, so a concurrent move of this subtree cannot slip between
        # reading our path and measuring the paths below it.
        subtree = Category.objects.subtree_of(Q(pk=self.pk))
        lengths = subtree.aggregate(own=Min(Length("path")), longest=Max(Length("path")))
        if lengths["own"] is None:  # Deleted meanwhile: save() will report it.
            return True
        new_own_length = len(parent_path) + len(str(self.pk)) + 1
        return lengths["longest"] - lengths["own"] + new_own_length <= PATH_MAX_LENGTH

    def _parent_path(self):
        if self.parent_id is None:
            return PATH_SEPARATOR
        # Locked so that a concurrent move of the parent cannot leave us a stale prefix.
        return (
            Category.objects.select_for_update()
            .filter(pk=self.parent_id)
            .values_list("path", flat=True)
            .get()
        )

    def _set_path(self, parent_path):
        self.path = f"{parent_path}{self.pk}{PATH_SEPARATOR}"
        self.depth = self.path.count(PATH_SEPARATOR) - 2

    def _move_descendants(self, old_path):
        """Rewrite the path prefix of every descendant in one UPDATE."""
        depth_change = self.path.count(PATH_SEPARATOR) - old_path.count(PATH_SEPARATOR)
        Category.objects.subtree_at(old_path).exclude(pk=self.pk).update(
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
    # Indexed by the unique constraint in Meta (db_index would add two more).
    slug = models.SlugField(
        _("slug"),
        max_length=SLUG_MAX_LENGTH,
        allow_unicode=True,
        db_index=False,
        error_messages=UNIQUE_ERROR_MESSAGES,
    )
    # No single-column index: the composite indexes below start with category_id.
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        related_name="products",
        on_delete=models.PROTECT,
        db_index=False,
    )
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2)
    description = models.TextField(_("description"), blank=True, default="")
    stock = models.IntegerField(_("stock"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        db_table = "shopcore_product"
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="shopcore_product_slug_uniq"),
            models.CheckConstraint(condition=Q(price__gte=0), name="shopcore_product_price_gte_0"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="shopcore_product_stock_gte_0"),
        ]
        # The equality column first, then the sort or range key, then ``id`` (the
        # tie-breaker every ordering ends with). docs/database.md shows the query
        # and the EXPLAIN each one serves.
        indexes = [
            models.Index(fields=["created_at", "id"], name="shopcore_product_created"),
            models.Index(fields=["price", "id"], name="shopcore_product_price"),
            models.Index(fields=["name", "id"], name="shopcore_product_name"),
            models.Index(
                fields=["category", "created_at", "id"], name="shopcore_product_cat_created"
            ),
            models.Index(fields=["category", "price", "id"], name="shopcore_product_cat_price"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.slug:
            super().save(*args, **kwargs)
        else:
            save_with_derived_slug(self, partial(super().save, *args, **kwargs))
