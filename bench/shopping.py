"""Shoppers, tokens and carts made through the ORM for the cart and checkout benchmarks.

Nothing goes through the throttled register and login endpoints: users are
bulk-created with unusable passwords and their access tokens minted with
simplejwt. ``remove_shoppers`` undoes a run: it puts the units of the
shoppers' orders back into stock and deletes the orders, users and carts.
A run starts by removing what an interrupted one left, so run one benchmark
per database at a time.
"""

import json
from datetime import timedelta
from decimal import Decimal

# Usernames of the benchmark's users start with this, so a later run (or an
# interrupted one) can find and remove them.
SHOPPER_PREFIX = "bench-shopper-"
ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 St James's Square",
    "line2": "",
    "city": "London",
    "postal_code": "SW1Y 4JH",
    "country": "GB",
}


def create_shoppers(count, prefix=SHOPPER_PREFIX):
    """``count`` users named ``<prefix><n>``, bulk-inserted, with unusable passwords."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    users = []
    for number in range(count):
        name = f"{prefix}{number}"
        user = user_model(**{user_model.USERNAME_FIELD: name}, email=f"{name}@example.com")
        user.set_unusable_password()
        users.append(user)
    user_model.objects.bulk_create(users)
    return list(
        user_model.objects.filter(**{f"{user_model.USERNAME_FIELD}__startswith": prefix}).order_by(
            "pk"
        )
    )


def access_token(user, lifetime=timedelta(hours=2)):
    """An access token for ``user`` as a login issues it, valid for ``lifetime``.

    Minted like the login view's (shopcore's simplejwt refresh token, whose
    access token carries the password claim the authentication checks), but
    longer-lived than simplejwt's 5 minutes: a bench run may outlast them.
    """
    from django_shopcore.accounts.tokens import RefreshToken

    token = RefreshToken.for_user(user).access_token
    token.set_exp(lifetime=lifetime)
    return str(token)


def remove_shoppers(prefix=SHOPPER_PREFIX):
    """Return the units of the shoppers' orders, then delete their orders, carts and accounts.

    Benchmark data only: an order's history is otherwise never deleted.
    """
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.db.models import Sum
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    from django_shopcore.orders.models import Order, OrderLine, OrderStatusChange
    from django_shopcore.orders.restock import return_units

    user_model = get_user_model()
    users = user_model.objects.filter(**{f"{user_model.USERNAME_FIELD}__startswith": prefix})
    orders = Order.objects.filter(user__in=users)
    with transaction.atomic():
        # Only units still taken: cancelled or expired orders gave theirs back.
        taken = (
            OrderLine.objects.filter(order__in=orders.exclude(status__in=["cancelled", "expired"]))
            .values("variant_id", "variant__product_id")
            .annotate(units=Sum("quantity"))
        )
        quantities = {row["variant_id"]: row["units"] for row in taken}
        if quantities:
            return_units(quantities, {row["variant__product_id"] for row in taken})
        OrderStatusChange.objects.filter(order__in=orders).delete()
        orders.delete()
        # Their token families go with the users; outstanding tokens would stay, unowned.
        OutstandingToken.objects.filter(user__in=users).delete()
        users.delete()


def sellable_variants(count, seed=1, min_stock=10):
    """``count`` random (variant id, price) of active variants of active products in stock.

    Random across the catalog, so that concurrent checkouts rarely meet on a row,
    as in a shop; the same ``seed`` picks the same variants.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT v.id, v.price FROM shopcore_productvariant v
            JOIN shopcore_product p ON p.id = v.product_id
            WHERE v.is_active AND p.is_active AND v.stock >= %s
            ORDER BY md5(v.id::text || %s) LIMIT %s
            """,
            [min_stock, str(seed), count],
        )
        return cursor.fetchall()


class VariantPool:
    """Hands out variants in turn; each at most ``uses`` times (fewer than its minimum stock)."""

    def __init__(self, variants, uses):
        self.variants = variants
        self.uses = uses
        self.handed_out = 0

    def take(self, count):
        if self.handed_out + count > len(self.variants) * self.uses:
            raise RuntimeError("the variant pool is used up: pick more variants")
        start = self.handed_out
        self.handed_out += count
        return [self.variants[index % len(self.variants)] for index in range(start, start + count)]


def create_carts(owners, lines_per_cart, pool):
    """A cart per owner (None: anonymous) with ``lines_per_cart`` distinct variants, 1 unit each.

    Returns ``[(cart, [(variant_id, price), ...])]``.
    """
    from django_shopcore.carts.models import Cart, CartItem

    carts = Cart.objects.bulk_create(Cart(owner=owner) for owner in owners)
    filled = [(cart, pool.take(lines_per_cart)) for cart in carts]
    CartItem.objects.bulk_create(
        CartItem(cart=cart, variant_id=variant_id, quantity=1)
        for cart, lines in filled
        for variant_id, _price in lines
    )
    return filled


def delete_carts(carts):
    from django_shopcore.carts.models import Cart

    Cart.objects.filter(pk__in=[cart.pk for cart in carts]).delete()


def checkout_body(cart, lines):
    total = sum((Decimal(price) for _variant, price in lines), Decimal(0))
    return json.dumps(
        {"cart": str(cart.pk), "shipping_address": ADDRESS, "expected_total": f"{total:.2f}"},
        separators=(",", ":"),
    )


def checkout_requests(shoppers, tokens, carts_count, lines_per_cart, pool):
    """wrk request lines placing ``carts_count`` orders of fresh carts, shoppers in turn."""
    owners = [shoppers[index % len(shoppers)] for index in range(carts_count)]
    carts = create_carts(owners, lines_per_cart, pool)
    return [
        ("POST", "/api/orders/", tokens[cart.owner_id], checkout_body(cart, lines))
        for cart, lines in carts
    ]


def add_to_cart_requests(carts_count, adds_per_cart, pool):
    """wrk request lines adding ``adds_per_cart`` variants to each of ``carts_count`` new
    anonymous carts, one cart after another (no two requests in a row lock one cart).

    Returns the lines and the carts (to delete afterwards).
    """
    carts = create_carts([None] * carts_count, 0, pool)
    variants = pool.take(carts_count * adds_per_cart)
    lines = []
    for round_number in range(adds_per_cart):
        for index, (cart, _lines) in enumerate(carts):
            variant_id, _price = variants[round_number * carts_count + index]
            body = json.dumps({"variant": variant_id, "quantity": 1}, separators=(",", ":"))
            lines.append(("POST", f"/api/carts/{cart.pk}/items/", None, body))
    return lines, [cart for cart, _lines in carts]
