"""Orders with their line snapshots and status history, and stored Idempotency-Key answers."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..catalog.models import SKU_MAX_LENGTH, ProductVariant
from ..core.models import TimestampedModel

IDEMPOTENCY_KEY_MAX_LENGTH = 255


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("pending payment")
    PAID = "paid", _("paid")
    FULFILLED = "fulfilled", _("fulfilled")
    CANCELLED = "cancelled", _("cancelled")
    EXPIRED = "expired", _("expired")


class Order(TimestampedModel):
    """A placed order: what was bought at which price, frozen at checkout."""

    number = models.CharField(_("number"), max_length=32, editable=False)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=OrderStatus.choices,
        default=OrderStatus.PENDING_PAYMENT,
    )
    # PROTECT: a customer with orders cannot vanish with their history.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        related_name="shopcore_orders",
        on_delete=models.PROTECT,
    )
    email = models.EmailField(_("email"), blank=True)
    # The cart it was placed from (carts are deleted then): a cart is ordered once.
    cart_id = models.UUIDField(_("cart"), editable=False)
    shipping_address = models.JSONField(_("shipping address"))
    subtotal = models.DecimalField(_("subtotal"), max_digits=14, decimal_places=2)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    payment_due_by = models.DateTimeField(_("payment due by"))

    class Meta:
        db_table = "shopcore_order"
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="shopcore_order_number_uniq"),
            models.UniqueConstraint(fields=["cart_id"], name="shopcore_order_cart_uniq"),
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values), name="shopcore_order_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(subtotal__gte=0) & Q(total__gte=0), name="shopcore_order_totals_gte_0"
            ),
        ]
        indexes = [
            # A customer's orders, newest first.
            models.Index(fields=["user", "-created_at"], name="shopcore_order_user"),
            # The expiry sweep: unpaid orders by due time.
            models.Index(
                fields=["payment_due_by"],
                condition=Q(status=OrderStatus.PENDING_PAYMENT),
                name="shopcore_order_unpaid_due",
            ),
        ]

    def __str__(self):
        return self.number


class OrderLine(models.Model):
    """A line's snapshot: later catalog changes never alter it."""

    order = models.ForeignKey(
        Order, related_name="lines", on_delete=models.CASCADE, db_index=False
    )
    # PROTECT: a variant that was ordered cannot be deleted (409), so history stays whole.
    variant = models.ForeignKey(
        ProductVariant,
        verbose_name=_("variant"),
        related_name="order_lines",
        on_delete=models.PROTECT,
    )
    product_name = models.CharField(_("product name"), max_length=200)
    sku = models.CharField(_("SKU"), max_length=SKU_MAX_LENGTH)
    options = models.JSONField(_("options"), default=dict)
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2)
    quantity = models.PositiveIntegerField(_("quantity"))
    line_total = models.DecimalField(_("line total"), max_digits=14, decimal_places=2)

    class Meta:
        db_table = "shopcore_orderline"
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "id"]
        constraints = [
            # Also the index of an order's lines (its leading column).
            models.UniqueConstraint(
                fields=["order", "variant"], name="shopcore_orderline_order_variant_uniq"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="shopcore_orderline_quantity_gte_1"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} x {self.sku}"


class OrderStatusChange(models.Model):
    """One transition of an order; the history is never deleted."""

    # PROTECT: an order with history cannot be deleted.
    order = models.ForeignKey(
        Order, related_name="status_changes", on_delete=models.PROTECT, db_index=False
    )
    # Blank for the order's creation.
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=OrderStatus.choices)
    # Null for the system (checkout, expiry, a payment webhook).
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        related_name="+",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        db_table = "shopcore_orderstatuschange"
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["order", "id"]
        indexes = [models.Index(fields=["order", "id"], name="shopcore_orderstatus_order")]

    def __str__(self):
        return f"{self.from_status or '-'} -> {self.to_status}"


class IdempotencyKey(models.Model):
    """A checkout's ``Idempotency-Key`` and the answer it got, replayed for the same request."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.CASCADE, db_index=False
    )
    key = models.CharField(max_length=IDEMPOTENCY_KEY_MAX_LENGTH)
    # sha256 of the canonical JSON body: the same key with another body is a 422.
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "shopcore_idempotencykey"
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            # The gate: of concurrent requests with one key, one INSERT wins.
            models.UniqueConstraint(fields=["user", "key"], name="shopcore_idempotencykey_uniq"),
        ]

    def __str__(self):
        return self.key
