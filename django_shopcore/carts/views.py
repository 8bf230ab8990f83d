"""Cart views: create, read and delete a cart, and write its lines."""

from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from ..core.ids import MAX_INT32
from ..core.schema_bounds import integer_schema
from ..core.schema_error_bodies import MESSAGES, error_component, example
from ..core.schema_errors import extend_responses, raises
from ..core.views import ShopcoreViewMixin
from . import lines, rows
from .models import Cart, CartItem
from .representations import represent
from .serializers import AddItemSerializer, CartSerializer, ChangeItemSerializer

UUID_REGEX = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


# A cart write asking for more than the stock (carts do not reserve it): lines.check_quantity.
NOT_ENOUGH_STOCK = example({"quantity": ["Only 3 in stock."], "available": 3}, "Not enough stock")
STOCK_CONFLICT = error_component(
    "StockConflict",
    "More units than the stock available: why, and the units there are.",
    {"quantity": MESSAGES, "available": integer_schema(0, MAX_INT32)},
)


def not_found(model):
    """The 404 that ``get_object_or_404`` raises, with its message (the schema's examples)."""
    return Http404(f"No {model._meta.object_name} matches the given query.")


@extend_schema(tags=["Carts"])
@extend_schema_view(
    create=extend_schema(
        summary="Create a cart",
        description="An empty cart with an unguessable UUID id: whoever holds the id may use "
        "it. A signed-in caller's cart belongs to them (then only they see it).",
    ),
    retrieve=extend_schema(
        summary="Get a cart",
        description="The cart with its items at the variants' current prices. Another user's "
        "cart, or a malformed id, is a 404.",
    ),
    destroy=extend_schema(summary="Delete a cart", description="The cart and its items."),
)
class CartViewSet(
    ShopcoreViewMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Whoever holds an unowned cart's id may use it; an owned cart only its owner (else 404).

    Answers are built from plain rows (rows.py, representations.py), not
    through the serializer, which describes them in the schema.
    """

    # Anyone may shop; access to a cart is its unguessable id (and its owner).
    permission_classes = [AllowAny]
    serializer_class = CartSerializer
    # A malformed UUID is no route (404), never a database error.
    lookup_value_regex = UUID_REGEX

    def get_queryset(self):
        return Cart.objects.accessible_to(self.request.user)

    def create(self, request, *args, **kwargs):
        # The body is the serializer's (every field read-only): only a non-object is refused.
        self.get_serializer(data=request.data).is_valid(raise_exception=True)
        user = request.user
        cart = Cart.objects.create(owner=user if user.is_authenticated else None)
        return Response(represent(rows.cart_row(cart), []), status=status.HTTP_201_CREATED)

    def retrieve(self, request, *args, **kwargs):
        cart_id = self.cart_id()
        cart = rows.cart_of(cart_id, request.user)
        if cart is None:
            raise not_found(Cart)
        return Response(represent(cart, rows.lines_of(cart_id)))

    def cart_id(self):
        """The path's cart id as a UUID (the route lets only UUIDs through, in either case)."""
        return Cart._meta.pk.to_python(self.kwargs["pk"])

    def locked_cart(self):
        """The cart, touched and its row locked until the transaction ends, and its lines."""
        cart_id = self.cart_id()
        cart = lines.lock_and_touch(cart_id, self.request.user)
        if cart is None:
            raise not_found(Cart)
        return cart, rows.lines_of(cart_id)

    @extend_responses(
        success="The whole cart.",
        errors=[
            raises(
                409,
                "More units than the stock available (carts do not reserve stock).",
                schema=STOCK_CONFLICT,
                NotEnoughStock=NOT_ENOUGH_STOCK,
            )
        ],
    )
    @extend_schema(
        summary="Add an item to a cart",
        description="`{variant, quantity}`: a variant already in the cart adds to its line. "
        "`quantity` is a whole number from 1 to `CART_MAX_QUANTITY`; a cart holds at most "
        "`CART_MAX_LINES` lines. An inactive or unknown variant is a 400 naming `variant`; "
        "more than the stock available a 409 with `available`.",
        request=AddItemSerializer,
        responses={201: CartSerializer},
    )
    @action(detail=True, methods=["post"], url_path="items")
    def items(self, request, pk=None):
        """Add a variant; one already in the cart adds to its line."""
        body = AddItemSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with transaction.atomic():
            cart, cart_lines = self.locked_cart()
            lines.add_item(
                cart, cart_lines, body.validated_data["variant"], body.validated_data["quantity"]
            )
        return Response(represent(cart, cart_lines), status=status.HTTP_201_CREATED)

    @extend_responses(
        success="The whole cart.",
        errors=[
            raises(
                409,
                "More units than the stock available.",
                schema=STOCK_CONFLICT,
                NotEnoughStock=NOT_ENOUGH_STOCK,
            )
        ],
    )
    @extend_schema(
        summary="Change or remove a cart item",
        description="PATCH `{quantity}` sets the line's quantity; DELETE removes the line. "
        "More than the stock available is a 409 with `available`.",
        request=ChangeItemSerializer,
        responses={200: CartSerializer},
    )
    @action(detail=True, methods=["patch", "delete"], url_path=r"items/(?P<item_id>[0-9]{1,18})")
    def item(self, request, pk=None, item_id=None):
        """Change a line's quantity (PATCH) or remove the line (DELETE)."""
        body = None
        if request.method == "PATCH":
            body = ChangeItemSerializer(data=request.data)
            body.is_valid(raise_exception=True)
        with transaction.atomic():
            cart, cart_lines = self.locked_cart()
            line = next((line for line in cart_lines if line["id"] == int(item_id)), None)
            if line is None:
                raise not_found(CartItem)
            if body is None:
                lines.remove_item(cart_lines, line)
            else:
                lines.change_item(cart_lines, line, body.validated_data["quantity"])
        return Response(represent(cart, cart_lines))
