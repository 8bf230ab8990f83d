"""API views: the catalog viewsets and the account endpoints."""

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers, quote_etag
from django.utils.decorators import method_decorator
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status, views, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from .cache import digest, get_response, response_key, set_response
from .exceptions import Conflict, exception_handler
from .filters import CategoryFilterSet, ProductFilterSet
from .models import Category, Product
from .pagination import CatalogPagination, ShopcorePageNumberPagination
from .representations import fast_representation
from .schema import ShopcoreAutoSchema
from .serializers import (
    LoginSerializer,
    LogoutSerializer,
    PasswordChangeSerializer,
    RefreshSerializer,
)
from .settings import shopcore_settings
from .throttling import ShopcoreScopedRateThrottle
from .tokens import revoke_user_tokens, token_belongs_to


class ShopcoreViewMixin:
    """Authentication and error handling from shopcore, whatever the host's DRF defaults are."""

    schema = ShopcoreAutoSchema()

    def get_authenticators(self):
        return [auth() for auth in shopcore_settings.AUTHENTICATION_CLASSES]

    def get_exception_handler(self):
        # Integrity errors must become 400/409 even under a custom EXCEPTION_HANDLER.
        return exception_handler


# --- Catalog -----------------------------------------------------------------


class CatalogViewSet(ShopcoreViewMixin, viewsets.ModelViewSet):
    """Public reads, writes as ``CATALOG_PERMISSION_CLASSES`` allow; paged, filtered lists.

    Lists and details of the default serializers are read with ``.values()``
    (representations.py). Anonymous JSON reads are cached when
    ``CACHE_RESPONSES`` is on (cache.py), and every successful read has an
    ETag, answered with 304 on ``If-None-Match``.
    """

    # Fixed rather than taken from the host's DRF defaults: the contract depends on them.
    filter_backends = [DjangoFilterBackend]
    pagination_class = CatalogPagination
    # Non-numeric ids are not routes at all (404), never a database error.
    lookup_value_regex = "[0-9]+"

    def get_permissions(self):
        return [permission() for permission in shopcore_settings.CATALOG_PERMISSION_CLASSES]

    def list(self, request, *args, **kwargs):
        cached = self.get_cached_response(request)
        if cached is not None:
            return cached
        representation = fast_representation(self.get_serializer_class())
        if representation is None:
            return super().list(request, *args, **kwargs)
        self.paginator.read_rows = representation.values
        rows = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(representation.represent(rows))

    def retrieve(self, request, *args, **kwargs):
        cached = self.get_cached_response(request)
        if cached is not None:
            return cached
        representation = fast_representation(self.get_serializer_class())
        if representation is None or self.checks_objects():
            return super().retrieve(request, *args, **kwargs)
        lookup = {self.lookup_field: self.kwargs[self.lookup_url_kwarg or self.lookup_field]}
        row = get_object_or_404(representation.values(self.get_queryset()), **lookup)
        return Response(representation.represent([row])[0])

    def checks_objects(self):
        """Whether a permission class looks at the object itself (it then needs an instance)."""
        return any(
            type(permission).has_object_permission is not BasePermission.has_object_permission
            for permission in self.get_permissions()
        )

    def filter_queryset(self, queryset):
        # The filters are list parameters: a detail URL names its object whatever the query says.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def get_cached_response(self, request):
        """The cached response to an anonymous JSON GET, if any; remembers the key for a miss."""
        self.response_cache_key = self.last_modified = None
        if request.method != "GET" or not request.user.is_anonymous:
            return None
        if getattr(request.accepted_renderer, "format", None) != "json":
            return None
        self.response_cache_key, self.last_modified = response_key(self.queryset.model, request)
        if self.response_cache_key is None:
            return None
        cached = get_response(self.response_cache_key)
        if cached is None:
            return None
        content, content_type = cached
        return HttpResponse(content, content_type=content_type)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method != "GET" or response.status_code != status.HTTP_200_OK:
            return response
        if isinstance(response, Response):
            response.render()
            if getattr(self, "response_cache_key", None):
                set_response(self.response_cache_key, (response.content, response["Content-Type"]))
        return conditional_response(request, response, getattr(self, "last_modified", None))


def conditional_response(request, response, last_modified_ns):
    """Adds ETag (and Last-Modified when known); 304 when the client's copy is current."""
    etag = quote_etag(digest(response.content))
    last_modified = last_modified_ns // 10**9 if last_modified_ns else None
    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if not_modified is None:
        response["ETag"] = etag
        if last_modified is not None:
            response["Last-Modified"] = http_date(last_modified)
    else:
        response = not_modified
    # Admins see inactive products: a shared cache must not hand their copy to others.
    patch_vary_headers(response, ["Authorization"])
    return response


class CategoryViewSet(CatalogViewSet):
    queryset = Category.objects.order_by("name", "id")
    filterset_class = CategoryFilterSet

    def get_serializer_class(self):
        return shopcore_settings.CATEGORY_SERIALIZER

    def perform_destroy(self, instance):
        # Checked up front for a clear message; PROTECT still guards against races.
        if instance.children.exists():
            raise Conflict(
                _("Category “%(name)s” still has subcategories; move or delete them first.")
                % {"name": instance.name}
            )
        if instance.products.exists():
            raise Conflict(
                _("Category “%(name)s” still has products; move or delete them first.")
                % {"name": instance.name}
            )
        instance.delete()


class ProductViewSet(CatalogViewSet):
    queryset = Product.objects.select_related("category")
    filterset_class = ProductFilterSet

    def get_queryset(self):
        queryset = super().get_queryset()
        if not getattr(self.request.user, "is_staff", False):
            queryset = queryset.active()
        return queryset

    def get_serializer_class(self):
        return shopcore_settings.PRODUCT_SERIALIZER


# --- Accounts ----------------------------------------------------------------


class CredentialsViewMixin(ShopcoreViewMixin):
    """For endpoints that take credentials in the body, throttled per ``throttle_scope``.

    No authenticator runs, so a stale ``Authorization`` header cannot turn a
    login or a refresh into a 401; a 401 still names the Bearer scheme.
    """

    permission_classes = [permissions.AllowAny]
    throttle_classes = [ShopcoreScopedRateThrottle]

    def get_authenticators(self):
        return []

    def get_authenticate_header(self, request):
        authentication_classes = shopcore_settings.AUTHENTICATION_CLASSES
        if authentication_classes:
            return authentication_classes[0]().authenticate_header(request)
        return None


class RegisterView(CredentialsViewMixin, generics.CreateAPIView):
    throttle_scope = "register"

    def get_serializer_class(self):
        return shopcore_settings.REGISTER_SERIALIZER


class TokenView(CredentialsViewMixin, generics.GenericAPIView):
    """Validates the body and answers with the token pair the serializer made."""

    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        return Response(serializer.validated_data)


class LoginView(TokenView):
    serializer_class = LoginSerializer
    throttle_scope = "login"


# Reuse detection revokes a family and then fails the request: under
# ATOMIC_REQUESTS the failure must not roll the revocation back.
@method_decorator(transaction.non_atomic_requests, name="dispatch")
class RefreshView(TokenView):
    serializer_class = RefreshSerializer
    throttle_scope = "refresh"


class LogoutView(ShopcoreViewMixin, generics.GenericAPIView):
    """Ends one login: its refresh token is blacklisted and its family revoked."""

    serializer_class = LogoutSerializer
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={204: None})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not token_belongs_to(serializer.validated_data["refresh"], request.user):
            raise PermissionDenied(_("This refresh token belongs to another user."))
        serializer.save()
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(ShopcoreViewMixin, views.APIView):
    """Ends every login of the caller: all their refresh tokens are revoked."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        revoke_user_tokens(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(ShopcoreViewMixin, generics.RetrieveUpdateAPIView):
    """The caller's own profile."""

    permission_classes = [permissions.IsAuthenticated]
    http_method_names = ["get", "patch", "head", "options"]

    def get_serializer_class(self):
        return shopcore_settings.USER_SERIALIZER

    def get_object(self):
        return self.request.user


class PasswordChangeView(ShopcoreViewMixin, generics.GenericAPIView):
    """Changes the caller's password; their refresh and access tokens stop working."""

    serializer_class = PasswordChangeSerializer
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [ShopcoreScopedRateThrottle]
    throttle_scope = "password"

    @extend_schema(responses={204: None})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserViewSet(ShopcoreViewMixin, viewsets.ModelViewSet):
    """User management for admins (``USER_ADMIN_PERMISSION_CLASSES``)."""

    queryset = get_user_model()._default_manager.order_by("pk")
    pagination_class = ShopcorePageNumberPagination
    # With an integer primary key, only ASCII digits name a user: int() would
    # also take " 7", "+7" or a fullwidth 7.
    if isinstance(queryset.model._meta.pk, models.IntegerField):
        lookup_value_regex = "[0-9]+"

    def get_permissions(self):
        return [permission() for permission in shopcore_settings.USER_ADMIN_PERMISSION_CLASSES]

    def get_serializer_class(self):
        return shopcore_settings.ADMIN_USER_SERIALIZER

    def perform_update(self, serializer):
        self.check_may_manage(serializer.instance)
        serializer.save()

    def perform_destroy(self, instance):
        self.check_may_manage(instance)
        if instance.pk == self.request.user.pk:
            # The last admin would otherwise lock everyone out.
            raise Conflict(_("You cannot delete your own account."))
        instance.delete()

    def check_may_manage(self, user):
        # Staff changing a superuser's password or flags would be a privilege escalation.
        if getattr(user, "is_superuser", False) and not self.request.user.is_superuser:
            raise PermissionDenied(_("Only a superuser can change or delete a superuser."))
