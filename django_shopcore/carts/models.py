"""Carts: a disposable list of variants and quantities, addressed by an unguessable UUID."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..catalog.models import ProductVariant
from ..core.models import TimestampedModel
from ..core.settings import shopcore_settings


class CartQuerySet(models.QuerySet):
    def accessible_to(self, user):
        """Unowned carts (whoever holds the id) and, when signed in, the user's own."""
        if user is not None and user.is_authenticated:
            return self.filter(Q(owner__isnull=True) | Q(owner=user))
        return self.filter(owner__isnull=True)

    def expired(self, now=None):
        """Carts untouched for longer than ``CART_TTL`` seconds."""
        now = now or timezone.now()
        return self.filter(updated_at__lt=now - timedelta(seconds=shopcore_settings.CART_TTL))


class Cart(TimestampedModel):
    """A cart; ``updated_at`` is its last activity (every item write touches it)."""

    # Random, so holding the id is what grants access to an unowned cart.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # CASCADE: a deleted user's carts hold nothing worth keeping.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        related_name="shopcore_carts",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )

    objects = CartQuerySet.as_manager()

    class Meta:
        db_table = "shopcore_cart"
        verbose_name = _("cart")
        verbose_name_plural = _("carts")
        indexes = [
            # The expiry sweep's range scan.
            models.Index(fields=["updated_at"], name="shopcore_cart_updated_at"),
        ]

    def __str__(self):
        return str(self.id)


class CartItem(models.Model):
    """One line of a cart: a variant and how many of it, at the variant's current price."""

    cart = models.ForeignKey(Cart, related_name="items", on_delete=models.CASCADE, db_index=False)
    # CASCADE: carts are disposable; deleting a variant must not be blocked by
    # a cart (order lines, which are history, PROTECT it instead).
    variant = models.ForeignKey(
        ProductVariant,
        verbose_name=_("variant"),
        related_name="cart_items",
        on_delete=models.CASCADE,
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        db_table = "shopcore_cartitem"
        verbose_name = _("cart item")
        verbose_name_plural = _("cart items")
        ordering = ["cart", "id"]
        constraints = [
            # Also the index of a cart's lines (its leading column).
            models.UniqueConstraint(
                fields=["cart", "variant"], name="shopcore_cartitem_cart_variant_uniq"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="shopcore_cartitem_quantity_gte_1"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} x {self.variant_id}"

    @property
    def line_total(self):
        return self.variant.price * self.quantity
