"""API views: the catalog viewsets and the account endpoints."""

from rest_framework import generics, viewsets  # noqa: F401

from .settings import shopcore_settings


class ShopcoreViewMixin:
    """Authentication from ``SHOPCORE``, whatever the host's DRF defaults are."""

    def get_authenticators(self):
        return [auth() for auth in shopcore_settings.AUTHENTICATION_CLASSES]


# --- Catalog -----------------------------------------------------------------


# --- Accounts ----------------------------------------------------------------
