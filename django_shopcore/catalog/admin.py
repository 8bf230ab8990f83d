"""Django admin for the catalog: categories, and products with their variants."""

from django.contrib import admin

from .models import Category, Product, ProductVariant
from .variants import refresh_product_totals, save_options


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "parent", "depth", "updated_at"]
    list_filter = ["depth", "created_at"]
    list_select_related = ["parent"]
    search_fields = ["name", "slug"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["path", "depth", "created_at", "updated_at"]
    # Tree order: the materialized path sorts every subtree under its root.
    ordering = ["path"]


class VariantInline(admin.TabularInline):
    model = ProductVariant
    fields = ["sku", "options", "price", "stock", "is_active"]
    extra = 0
    # A product keeps at least one variant.
    min_num = 1


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "category", "price", "stock", "is_active", "updated_at"]
    list_filter = ["is_active", "category", "created_at"]
    list_select_related = ["category"]
    search_fields = ["name", "slug", "description"]
    autocomplete_fields = ["category"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    # Price and stock are the variants' once the product exists.
    list_editable = ["is_active"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:  # They make the default variant.
            return self.readonly_fields
        return [*self.readonly_fields, "price", "stock"]

    def get_inlines(self, request, obj):
        return [] if obj is None else [VariantInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for formset in formsets:
            for variant_form in formset.forms:
                if "options" in variant_form.changed_data and variant_form.instance.pk:
                    save_options(variant_form.instance)
        refresh_product_totals([form.instance.pk])
