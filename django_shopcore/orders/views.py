"""Order views: checkout, the customer's (or an admin's) orders, and the status transitions."""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from ..core.pagination import ShopcorePageNumberPagination
from ..core.schema import ADMIN_ONLY
from ..core.schema_error_bodies import MESSAGES, PERMISSION_DENIED, error_component, example
from ..core.schema_errors import extend_responses, raises
from ..core.views import ShopcoreViewMixin
from . import idempotency, transitions
from .checkout import place_order
from .models import IDEMPOTENCY_KEY_MAX_LENGTH, Order, OrderLine, OrderStatus
from .representations import represent
from .serializers import CheckoutSerializer, OrderSerializer

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    idempotency.HEADER,
    {
        "type": "string",
        "minLength": 1,
        "maxLength": IDEMPOTENCY_KEY_MAX_LENGTH,
        "pattern": "^[!-~]+$",
    },
    OpenApiParameter.HEADER,
    description="Optional, 1-255 visible ASCII characters: the same key and body answer once.",
)
# An `expected_total` the computed total differs from (checkout.check_expected_total).
PRICE_CONFLICT = error_component(
    "PriceConflict",
    "The prices changed: `expected_total`'s message, and the total now.",
    {"expected_total": MESSAGES, "total": {"type": "string", "format": "decimal"}},
)


def status_conflict(status):
    """The 409 of a transition that ``status`` does not allow."""
    return raises(
        409,
        "The order's status does not allow it.",
        NotAllowed=example(
            {"detail": f"This is not allowed while the order is {status}.", "status": status},
            "Status does not allow it",
        ),
    )


NOT_AN_ADMIN = raises(
    403, "Not an admin.", PermissionDenied=example(PERMISSION_DENIED, "Not an admin")
)


@extend_schema(tags=["Orders"])
@extend_schema_view(
    list=extend_schema(
        summary="List orders", description="A page of your orders, newest first (admins see all)."
    ),
    retrieve=extend_schema(
        summary="Get an order",
        description="One of your orders (admins: any); someone else's is a 404.",
    ),
)
class OrderViewSet(
    ShopcoreViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """A customer sees and cancels their own orders; admins see all and move them along."""

    # Checkout needs an account; the queryset hides other customers' orders (404).
    permission_classes = [IsAuthenticated]
    serializer_class = OrderSerializer
    pagination_class = ShopcorePageNumberPagination
    # Non-numeric ids are not routes at all (404), never a database error.
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # drf-spectacular's schema generation: no real user to filter by.
            return Order.objects.none()
        orders = Order.objects.prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.order_by("id"))
        )
        if self.request.user.is_staff:
            return orders
        return orders.filter(user=self.request.user)

    @extend_responses(
        errors=[
            raises(
                409,
                "Not enough stock, changed prices, or a cart already ordered.",
                NotEnoughStock=example(
                    {
                        "detail": "Not enough stock for some lines; nothing was ordered.",
                        "lines": [{"variant": 7, "requested": 3, "available": 1}],
                    },
                    "Not enough stock",
                ),
            ),
            raises(
                409,
                "The prices changed.",
                schema=PRICE_CONFLICT,
                PricesChanged=example(
                    {
                        "expected_total": ["The prices changed: the total is now 27.50."],
                        "total": "27.50",
                    },
                    "Prices changed",
                ),
            ),
            raises(
                422,
                "The Idempotency-Key was used with another body.",
                KeyReused=example(
                    {"detail": "This Idempotency-Key was used with a different request body."},
                    "Key reused",
                ),
            ),
        ]
    )
    @extend_schema(
        summary="Place an order",
        description="Checkout of a cart: every line's units are taken from stock, all or none, "
        "in one transaction, and the cart is consumed. A line lacking stock is a 409 listing "
        "`lines`; an `expected_total` other than the computed total a 409; an empty cart a "
        "400; a cart already ordered a 409. With an `Idempotency-Key`, the same body gets the "
        "same answer again (`Idempotent-Replayed: true`), also when sent concurrently; another "
        "body with the key is a 422.",
        request=CheckoutSerializer,
        responses={201: OrderSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    def create(self, request):
        """Place an order from a cart: every line's units are taken, all or none."""
        key = idempotency.key_from(request)
        body = CheckoutSerializer(data=request.data)
        body.is_valid(raise_exception=True)

        def perform():
            order = place_order(
                request.user,
                body.validated_data["cart"],
                body.validated_data["shipping_address"],
                body.validated_data.get("expected_total"),
            )
            # As placed: what a read of the order would show, without the reading.
            return status.HTTP_201_CREATED, represent(order)

        if key is None:
            return Response(perform()[1], status=status.HTTP_201_CREATED)
        fingerprint = idempotency.fingerprint(request.data)
        status_code, data, replayed = idempotency.respond_once(
            request.user, key, fingerprint, perform
        )
        response = Response(data, status=status_code)
        if replayed:
            response[idempotency.REPLAYED_HEADER] = "true"
        return response

    def order_data(self, order):
        return self.get_serializer(self.get_queryset().get(pk=order.pk)).data

    def transition(self, transition, from_statuses=None):
        order = self.get_object()
        transitions.apply(order, transition, by=self.request.user, from_statuses=from_statuses)
        return Response(self.order_data(order))

    def require_admin(self):
        if not self.request.user.is_staff:
            self.permission_denied(self.request)

    @extend_responses(success="The cancelled order.", errors=[status_conflict("paid")])
    @extend_schema(
        summary="Cancel an order",
        description="The owner while `pending_payment`; an admin while `pending_payment` or "
        "`paid`. The units go back to stock.",
        request=None,
        responses={200: OrderSerializer},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel: the owner while pending payment, an admin also once paid; units return."""
        owner_only = None if request.user.is_staff else (OrderStatus.PENDING_PAYMENT,)
        return self.transition(transitions.CANCEL, from_statuses=owner_only)

    @extend_responses(
        success="The paid order.", errors=[NOT_AN_ADMIN, status_conflict("cancelled")]
    )
    @extend_schema(
        summary="Mark an order paid",
        description=f"`pending_payment` -> `paid`. {ADMIN_ONLY}",
        request=None,
        responses={200: OrderSerializer},
    )
    @action(detail=True, methods=["post"], url_path="mark-paid")
    def mark_paid(self, request, pk=None):
        """Admins: pending payment -> paid."""
        self.require_admin()
        return self.transition(transitions.MARK_PAID)

    @extend_responses(
        success="The fulfilled order.", errors=[NOT_AN_ADMIN, status_conflict("pending_payment")]
    )
    @extend_schema(
        summary="Fulfil an order",
        description=f"`paid` -> `fulfilled`. {ADMIN_ONLY}",
        request=None,
        responses={200: OrderSerializer},
    )
    @action(detail=True, methods=["post"])
    def fulfil(self, request, pk=None):
        """Admins: paid -> fulfilled."""
        self.require_admin()
        return self.transition(transitions.FULFIL)
