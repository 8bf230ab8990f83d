"""Bearer-token authentication for shopcore views."""

from typing import cast

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings

from .tokens import check_user_may_use


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's authentication, refusing tokens that shopcore has revoked.

    Access tokens of a deactivated user, or issued before the user's last
    password change, stop working at once, whatever ``SIMPLE_JWT`` says about
    ``CHECK_USER_IS_ACTIVE`` and ``CHECK_REVOKE_TOKEN``.
    """

    def get_user(self, validated_token):
        self.check_user_id_claim(validated_token)
        user = super().get_user(validated_token)
        check_user_may_use(user, validated_token)
        return user

    def check_user_id_claim(self, validated_token):
        """A signed token may still hold a list, an object or junk as its user id:
        that is a bad token (401), not a database error (500)."""
        user_id = validated_token.get(api_settings.USER_ID_CLAIM)
        if user_id is None:
            return  # simplejwt's own 401 for a missing claim.
        # A concrete field, never a relation's reverse side.
        field = cast(models.Field, self.user_model._meta.get_field(api_settings.USER_ID_FIELD))
        if isinstance(user_id, (str, int)) and not isinstance(user_id, bool):
            try:
                field.to_python(user_id)
                return
            except ValidationError:
                pass
        raise InvalidToken(str(_("Token contained no recognizable user identification")))


# What clients may rely on, in the words of RFC 8725 (JWT best current practices).
SCHEME_DESCRIPTION = (
    "An access token from `auth/login/` or `auth/refresh/`: a signed JWT (JWS), "
    "handled as RFC8725 (JSON Web Token Best Current Practices) asks. The server "
    'verifies it with the one algorithm it is configured with (`SIMPLE_JWT["ALGORITHM"]`, '
    "HS256 by default), never the token's own `alg` and never `none`; tokens expire "
    "(`exp`) and are typed (`token_type`: a refresh token is no access token, nor the "
    "reverse); a user's tokens stop working when the password changes or the account "
    "is deactivated."
)


class JWTAuthenticationScheme(SimpleJWTScheme):
    """Documents shopcore's authentication as the Bearer JWT scheme in the OpenAPI schema."""

    # drf-spectacular takes the class or its dotted path; the base class gives a path.
    target_class = JWTAuthentication  # type: ignore[assignment]

    def get_security_definition(self, auto_schema):
        return {**super().get_security_definition(auto_schema), "description": SCHEME_DESCRIPTION}
