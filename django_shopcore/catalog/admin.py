"""Django admin for the catalog: categories and products."""

from django.contrib import admin

from .models import Category, Product


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


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "category", "price", "stock", "is_active", "updated_at"]
    list_filter = ["is_active", "category", "created_at"]
    list_select_related = ["category"]
    search_fields = ["name", "slug", "description"]
    autocomplete_fields = ["category"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    list_editable = ["price", "stock", "is_active"]
