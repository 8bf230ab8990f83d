"""Django admin for orders: lines and status history shown read-only."""

from django.contrib import admin

from .models import Order, OrderLine, OrderStatusChange


class ReadOnlyInline(admin.TabularInline):
    """History: shown, never added, changed or deleted here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Each inline shows these fields, all read-only.
LINE_FIELDS = ("variant", "sku", "product_name", "options", "unit_price", "quantity", "line_total")
STATUS_CHANGE_FIELDS = ("from_status", "to_status", "changed_by", "changed_at")


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = LINE_FIELDS
    readonly_fields = LINE_FIELDS


class OrderStatusChangeInline(ReadOnlyInline):
    model = OrderStatusChange
    fields = STATUS_CHANGE_FIELDS
    readonly_fields = STATUS_CHANGE_FIELDS


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "user", "status", "total", "currency", "created_at"]
    list_filter = ["status", "created_at", "payment_due_by"]
    list_select_related = ["user"]
    search_fields = ["number", "email"]
    # Status changes go through the API's transitions (stock and history follow).
    readonly_fields = [
        "number",
        "status",
        "user",
        "email",
        "cart_id",
        "subtotal",
        "total",
        "currency",
        "payment_due_by",
        "created_at",
        "updated_at",
    ]
    fields = [*readonly_fields[:5], "shipping_address", *readonly_fields[5:]]
    inlines = [OrderLineInline, OrderStatusChangeInline]

    def has_delete_permission(self, request, obj=None):
        # Orders are history (their status changes PROTECT them anyway).
        return False
