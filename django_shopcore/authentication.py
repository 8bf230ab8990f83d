"""Bearer-token authentication for shopcore views."""

from rest_framework_simplejwt import authentication


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's authentication, as the default for every shopcore view."""
