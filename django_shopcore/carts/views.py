"""Cart views: create, read and delete a cart, and write its lines."""

from django.db import transaction
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from ..core.views import ShopcoreViewMixin
from . import lines
from .models import Cart, CartItem
from .serializers import AddItemSerializer, CartSerializer, ChangeItemSerializer

UUID_REGEX = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


class CartViewSet(
    ShopcoreViewMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Whoever holds an unowned cart's id may use it; an owned cart only its owner (else 404)."""

    # Anyone may shop; access to a cart is its unguessable id (and its owner).
    permission_classes = [AllowAny]
    serializer_class = CartSerializer
    # A malformed UUID is no route (404), never a database error.
    lookup_value_regex = UUID_REGEX

    def get_queryset(self):
        items = CartItem.objects.select_related("variant__product").order_by("id")
        return Cart.objects.accessible_to(self.request.user).prefetch_related(
            Prefetch("items", queryset=items)
        )

    def perform_create(self, serializer):
        user = self.request.user
        serializer.save(owner=user if user.is_authenticated else None)

    def locked_cart(self):
        """The cart, its row locked until the transaction ends: a cart's writes queue."""
        lookup = {"pk": self.kwargs["pk"]}
        return get_object_or_404(
            Cart.objects.accessible_to(self.request.user).select_for_update(of=("self",)),
            **lookup,
        )

    def cart_response(self, status_code=status.HTTP_200_OK):
        cart = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        return Response(self.get_serializer(cart).data, status=status_code)

    @extend_schema(request=AddItemSerializer, responses={201: CartSerializer})
    @action(detail=True, methods=["post"], url_path="items")
    def items(self, request, pk=None):
        """Add a variant; one already in the cart adds to its line."""
        body = AddItemSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with transaction.atomic():
            cart = self.locked_cart()
            lines.add_item(cart, body.validated_data["variant"], body.validated_data["quantity"])
        return self.cart_response(status.HTTP_201_CREATED)

    @extend_schema(request=ChangeItemSerializer, responses={200: CartSerializer})
    @action(detail=True, methods=["patch", "delete"], url_path=r"items/(?P<item_id>[0-9]{1,18})")
    def item(self, request, pk=None, item_id=None):
        """Change a line's quantity (PATCH) or remove the line (DELETE)."""
        body = None
        if request.method == "PATCH":
            body = ChangeItemSerializer(data=request.data)
            body.is_valid(raise_exception=True)
        with transaction.atomic():
            cart = self.locked_cart()
            item = get_object_or_404(
                CartItem.objects.select_related("variant"), cart=cart, pk=item_id
            )
            if body is None:
                lines.remove_item(cart, item)
            else:
                lines.change_item(cart, item, body.validated_data["quantity"])
        return self.cart_response()
