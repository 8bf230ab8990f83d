"""Django admin for carts: each with its lines."""

from django.contrib import admin

from .models import Cart, CartItem


class CartItemInline(admin.TabularInline):
    model = CartItem
    fields = ["variant", "quantity", "created_at"]
    readonly_fields = ["created_at"]
    raw_id_fields = ["variant"]
    extra = 0


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "created_at", "updated_at"]
    list_filter = ["created_at", "updated_at"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    readonly_fields = ["id", "created_at", "updated_at"]
    inlines = [CartItemInline]
