"""Bearer-token authentication for shopcore views."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt import authentication

from .tokens import check_user_may_use


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's authentication, refusing tokens that shopcore has revoked.

    Access tokens of a deactivated user, or issued before the user's last
    password change, stop working at once, whatever ``SIMPLE_JWT`` says about
    ``CHECK_USER_IS_ACTIVE`` and ``CHECK_REVOKE_TOKEN``.
    """

    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        check_user_may_use(user, validated_token)
        return user


class JWTAuthenticationScheme(SimpleJWTScheme):
    """Documents shopcore's authentication as the Bearer JWT scheme in the OpenAPI schema."""

    # drf-spectacular takes the class or its dotted path; the base class gives a path.
    target_class = JWTAuthentication  # type: ignore[assignment]
