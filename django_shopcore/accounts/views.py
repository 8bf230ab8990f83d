"""Account views: registration, tokens, the caller's profile and password, and users.

Just past 400 lines because each view carries its API docs beside it.
"""

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, permissions, status, views, viewsets
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from ..core.exceptions import Conflict
from ..core.pagination import ShopcorePageNumberPagination
from ..core.schema import ADMIN_ONLY
from ..core.schema_errors import example, extend_responses, raises
from ..core.settings import shopcore_settings
from ..core.throttling import ShopcoreScopedRateThrottle
from ..core.views import ShopcoreViewMixin, authentication_classes
from .password_reset import (
    PasswordResetAcceptedSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetSerializer,
)
from .privileges import may_grant, may_manage
from .serializers import (
    LoginSerializer,
    LogoutSerializer,
    PasswordChangeSerializer,
    RefreshSerializer,
)
from .throttling import FailedLoginThrottle
from .tokens import revoke_user_tokens

# Type checkers see the generic view the mixin goes with; at run time it is a plain mixin.
if TYPE_CHECKING:
    _GenericViewBase = generics.GenericAPIView
else:
    _GenericViewBase = object


class SaveAnswerNoContentMixin(_GenericViewBase):
    """POST: validate the body, let the serializer act (``save()``), answer 204."""

    @extend_schema(responses={204: None})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(status=status.HTTP_204_NO_CONTENT)


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
        classes = authentication_classes()
        if classes:
            return classes[0]().authenticate_header(request)
        return None


@extend_schema(
    tags=["Auth"],
    summary="Register",
    description="Create an account. The password must pass the site's password validators; "
    "privileges cannot be set here. Log in afterwards for tokens.",
)
@extend_responses(success="The new account, without its password.")
class RegisterView(CredentialsViewMixin, generics.CreateAPIView):
    throttle_scope = "register"

    def get_serializer_class(self):
        return shopcore_settings.REGISTER_SERIALIZER


def token_response(data):
    """A response carrying tokens: no cache, shared or private, may keep it."""
    response = Response(data)
    patch_cache_control(response, no_store=True)
    return response


class TokenView(CredentialsViewMixin, generics.GenericAPIView):
    """Validates the body and answers with the token pair the serializer made."""

    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        return token_response(serializer.validated_data)


@extend_schema(
    tags=["Auth"],
    summary="Log in",
    description="Exchange credentials for an `access` token (send it as "
    "`Authorization: Bearer <access>`; in Swagger UI, paste it into **Authorize**) "
    "and a `refresh` token.",
)
@extend_responses(
    success="The token pair.",
    errors=[
        raises(
            401,
            "Wrong username or password, or an inactive account.",
            BadCredentials=example(
                {"detail": "No active account found with the given credentials"},
                "Wrong credentials",
            ),
        )
    ],
)
class LoginView(TokenView):
    """Limits logins per address (``login``) and failures per username (``login_username``)."""

    serializer_class = LoginSerializer
    throttle_scope = "login"
    throttle_classes = [ShopcoreScopedRateThrottle, FailedLoginThrottle]

    def post(self, request):
        try:
            return super().post(request)
        except AuthenticationFailed:
            FailedLoginThrottle().record_failure(request, self)
            raise


# Reuse detection revokes a family and then fails the request: under
# ATOMIC_REQUESTS the failure must not roll the revocation back.
@method_decorator(transaction.non_atomic_requests, name="dispatch")
@extend_schema(
    tags=["Auth"],
    summary="Refresh the tokens",
    description="Exchange a refresh token for a new `access` token and a new `refresh` "
    "token. The refresh token sent is used up: sending it again is a 401 and ends that login.",
)
@extend_responses(
    success="A new token pair.",
    errors=[
        raises(
            401,
            "The refresh token is invalid, expired, used up or revoked.",
            Blacklisted=example(
                {"detail": "Token is blacklisted", "code": "token_not_valid"},
                "Refresh token already used",
            ),
        )
    ],
)
class RefreshView(TokenView):
    serializer_class = RefreshSerializer
    throttle_scope = "refresh"


# A rotated token revokes its family and then fails the request, as at refresh.
@method_decorator(transaction.non_atomic_requests, name="dispatch")
@extend_schema(
    tags=["Auth"],
    summary="Log out",
    description="End one login: its refresh token (and every token refreshed from the same "
    "login) stops working.",
)
@extend_responses(
    errors=[
        raises(
            403,
            "The refresh token belongs to another user.",
            OtherUsersToken=example(
                {"detail": "This refresh token belongs to another user."},
                "Another user's token",
            ),
        )
    ]
)
class LogoutView(SaveAnswerNoContentMixin, ShopcoreViewMixin, generics.GenericAPIView):
    """Ends one login: its refresh token is blacklisted and its family revoked."""

    serializer_class = LogoutSerializer
    permission_classes = [permissions.IsAuthenticated]


@extend_schema(
    tags=["Auth"],
    summary="Log out everywhere",
    description="End every login of the caller: all their refresh tokens stop working.",
)
class LogoutAllView(ShopcoreViewMixin, views.APIView):
    """Ends every login of the caller: all their refresh tokens are revoked."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        revoke_user_tokens(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["Auth"])
@extend_schema_view(
    get=[
        extend_schema(summary="Get your profile", description="The signed-in user's profile."),
        extend_responses(success="Your profile."),
    ],
    patch=[
        extend_schema(
            summary="Update your profile",
            description="Only the fields sent; privileges and the password cannot be changed "
            "here (see `auth/password/`). Changing the username or e-mail address needs "
            "`current_password`.",
        ),
        extend_responses(success="Your updated profile."),
    ],
)
class MeView(ShopcoreViewMixin, generics.RetrieveUpdateAPIView):
    """The caller's own profile; its changes are throttled per user (``profile``)."""

    permission_classes = [permissions.IsAuthenticated]
    http_method_names = ["get", "patch", "head", "options"]
    throttle_scope = "profile"

    def get_throttles(self):
        # Reading the profile is free; a change may check the password.
        if self.request.method in permissions.SAFE_METHODS:
            return []
        return [ShopcoreScopedRateThrottle()]

    def get_serializer_class(self):
        return shopcore_settings.USER_SERIALIZER

    def get_object(self):
        return self.request.user


@extend_schema(
    tags=["Auth"],
    summary="Change your password",
    description="The current password and a new one that passes the password validators. "
    "Every token of the user stops working: log in again.",
)
class PasswordChangeView(SaveAnswerNoContentMixin, ShopcoreViewMixin, generics.GenericAPIView):
    """Changes the caller's password; their refresh and access tokens stop working."""

    serializer_class = PasswordChangeSerializer
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [ShopcoreScopedRateThrottle]
    throttle_scope = "password"


@extend_schema(
    tags=["Auth"],
    summary="Ask for a password reset",
    description="Send a single-use reset link to the active account(s) with this e-mail "
    "address. The answer never tells whether there is one.",
)
@extend_responses(success="Accepted; the same answer whether or not an account has the address.")
class PasswordResetView(CredentialsViewMixin, generics.GenericAPIView):
    """Sends a reset link to the accounts with that address; answers alike for any address."""

    serializer_class = PasswordResetSerializer
    throttle_scope = "password_reset"

    @extend_schema(responses={202: PasswordResetAcceptedSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(
            {"detail": _("If an account has this address, a reset link is on its way.")},
            status=status.HTTP_202_ACCEPTED,
        )


@extend_schema(
    tags=["Auth"],
    summary="Reset the password",
    description="The `uid` and `token` of a reset link, and a new password that passes the "
    "password validators. The link works once and expires; every login of the user ends. A "
    "bad, expired or used link is a 400 naming `token`.",
)
class PasswordResetConfirmView(
    SaveAnswerNoContentMixin, CredentialsViewMixin, generics.GenericAPIView
):
    """Sets the new password of a reset link; every login of the user ends."""

    serializer_class = PasswordResetConfirmSerializer
    throttle_scope = "password_reset"


# Staff may not manage a superuser (check_may_manage).
SUPERUSER_ONLY = raises(
    403,
    "Only a superuser may change or delete another staff account, or grant staff or "
    "superuser status.",
    SuperuserOnly=example(
        {"detail": "Only a superuser can change or delete another staff account."},
        "Staff on another staff account",
    ),
    GrantOnly=example(
        {"detail": "Only a superuser can grant staff or superuser status."},
        "Staff granting a privilege",
    ),
)


@extend_schema(tags=["Users"])
@extend_schema_view(
    list=extend_schema(summary="List users", description=f"A page of users, by id. {ADMIN_ONLY}"),
    create=[
        extend_schema(
            summary="Create a user",
            description="With a password, which must pass the password validators. Only a "
            f"superuser may grant `is_staff`/`is_superuser`. {ADMIN_ONLY}",
        ),
        extend_responses(errors=[SUPERUSER_ONLY]),
    ],
    retrieve=extend_schema(summary="Get a user", description=ADMIN_ONLY),
    update=[
        extend_schema(
            summary="Replace a user",
            description="Setting a password or deactivating the user ends all their logins. "
            "Only a superuser may change another staff account or grant "
            f"`is_staff`/`is_superuser`. {ADMIN_ONLY}",
        ),
        extend_responses(errors=[SUPERUSER_ONLY]),
    ],
    partial_update=[
        extend_schema(
            summary="Update a user",
            description="Only the fields sent. Setting a password or deactivating the user "
            "ends all their logins. Only a superuser may change another staff account or grant "
            f"`is_staff`/`is_superuser`. {ADMIN_ONLY}",
        ),
        extend_responses(errors=[SUPERUSER_ONLY]),
    ],
    destroy=[
        extend_schema(
            summary="Delete a user",
            description="Only a superuser may delete another staff account; nobody may delete "
            f"their own account. {ADMIN_ONLY}",
        ),
        extend_responses(
            errors=[
                SUPERUSER_ONLY,
                raises(
                    409,
                    "You tried to delete your own account.",
                    OwnAccount=example({"detail": "You cannot delete your own account."}, "Self"),
                ),
            ]
        ),
    ],
)
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

    def perform_create(self, serializer):
        self.check_may_grant(serializer.validated_data)
        serializer.save()

    def perform_update(self, serializer):
        self.check_may_manage(serializer.instance)
        self.check_may_grant(serializer.validated_data, serializer.instance)
        serializer.save()

    def perform_destroy(self, instance):
        self.check_may_manage(instance)
        if instance.pk == self.request.user.pk:
            # The last admin would otherwise lock everyone out.
            raise Conflict(_("You cannot delete your own account."))
        instance.delete()

    def check_may_manage(self, user):
        # Staff taking over another staff account (its password, e-mail or
        # flags) would reach whatever that account may do.
        if not may_manage(self.request.user, user):
            raise PermissionDenied(
                _("Only a superuser can change or delete another staff account.")
            )

    def check_may_grant(self, validated_data, user=None):
        if not may_grant(self.request.user, validated_data, user):
            raise PermissionDenied(_("Only a superuser can grant staff or superuser status."))
