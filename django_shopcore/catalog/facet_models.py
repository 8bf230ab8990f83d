"""The facet index: each product's counted state, and the counts per category and facet key.

Derived data, written only by facet_index.py in the transactions of the
catalog writes (and rebuilt by ``shopcore_rebuild_facets``); never edited by
hand. docs/performance.md ("Facets") explains the design.
"""

from django.db import models
from django.db.models import Q

from .models import OPTION_NAME_MAX_LENGTH, OPTION_VALUE_MAX_LENGTH, Category, Product


class ProductFacets(models.Model):
    """What one product counts for in ``FacetCount``, as it was last counted.

    A write compares it with the product as it is now and appends the
    difference to the counts. It is also the facet estimates' sample: rows
    are read in ``sample_key`` order (the rebuild writes them in that order),
    and the searchable ones (``facet_keys.SEARCHABLE_SAMPLE_KEYS``) carry the
    name and description, from which PostgreSQL computes ``search_vector``
    as for products (migration 0006).
    """

    # CASCADE: the catalog's clear (shopcore_seed --clear) truncates it along
    # with the products; a product delete first takes its counts away
    # (facet_index.forget_product_facets). No database constraints: the rows
    # are derived and written under the products' locks, and a million
    # deferred checks would double the rebuild's time.
    product = models.OneToOneField(
        Product,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="facet_state",
        db_constraint=False,
    )
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, db_index=False, db_constraint=False, related_name="+"
    )
    is_active = models.BooleanField()
    in_stock = models.BooleanField()
    price = models.DecimalField(max_digits=10, decimal_places=2)
    # The active variants' options as sorted ``name:value`` strings.
    options = models.JSONField(default=list)
    sample_key = models.PositiveIntegerField()
    name = models.CharField(max_length=200, blank=True, default="")
    description = models.TextField(blank=True, default="")

    class Meta:
        db_table = "shopcore_productfacets"
        indexes = [models.Index(fields=["sample_key"], name="shopcore_facets_sample")]

    def __str__(self):
        return f"facets of product {self.product_id}"


class FacetCount(models.Model):
    """Products per category and facet key, split by activity and stock.

    Rows are added up, never updated: a write appends delta rows
    (``is_delta``), so concurrent writers share no row to lock; a fold now
    and then merges each key's rows into one. A key is the product total
    (``facet="product"``), a price bucket (``value`` its label) or an option
    (``name``, ``value``); the category is the product's own.
    """

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, db_index=False, db_constraint=False, related_name="+"
    )
    facet = models.CharField(max_length=10)
    name = models.CharField(max_length=OPTION_NAME_MAX_LENGTH, blank=True, default="")
    value = models.CharField(max_length=OPTION_VALUE_MAX_LENGTH, blank=True, default="")
    active_in_stock = models.IntegerField(default=0)
    active_out_of_stock = models.IntegerField(default=0)
    inactive_in_stock = models.IntegerField(default=0)
    inactive_out_of_stock = models.IntegerField(default=0)
    is_delta = models.BooleanField(default=True)

    class Meta:
        db_table = "shopcore_facetcount"
        indexes = [
            models.Index(fields=["category", "facet", "name", "value"], name="shopcore_facet_key"),
            # The fold's work list: the keys with unmerged rows.
            models.Index(
                fields=["category", "facet", "name", "value"],
                condition=Q(is_delta=True),
                name="shopcore_facet_delta",
            ),
        ]

    def __str__(self):
        return f"{self.facet} {self.name}:{self.value} in category {self.category_id}"


class FacetRollup(models.Model):
    """The folded FacetCount rows added up per subtree, so that reads stay small.

    One row per scope and key: ``scope`` is a category id (its whole
    subtree) or 0 (the whole catalog). Written by the fold, which adds each
    delta to the scopes its category's path names, by a category move (the
    scopes it leaves and enters are added up again) and by the rebuild,
    under the tree lock. A read adds the subtree's unfolded deltas to them.
    """

    # Not a foreign key: 0 is no category. A deleted category has no products,
    # so its rows are zeros, which the fold deletes.
    scope = models.PositiveBigIntegerField()
    facet = models.CharField(max_length=10)
    name = models.CharField(max_length=OPTION_NAME_MAX_LENGTH, blank=True, default="")
    value = models.CharField(max_length=OPTION_VALUE_MAX_LENGTH, blank=True, default="")
    active_in_stock = models.IntegerField(default=0)
    active_out_of_stock = models.IntegerField(default=0)
    inactive_in_stock = models.IntegerField(default=0)
    inactive_out_of_stock = models.IntegerField(default=0)

    class Meta:
        db_table = "shopcore_facetrollup"
        constraints = [
            # Also the reads' index; the fold adds to a row with ON CONFLICT.
            models.UniqueConstraint(
                fields=["scope", "facet", "name", "value"], name="shopcore_rollup_key"
            )
        ]

    def __str__(self):
        return f"{self.facet} {self.name}:{self.value} under category {self.scope}"
