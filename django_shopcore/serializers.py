"""Serializers for the catalog and the account endpoints."""

from rest_framework import serializers  # noqa: F401

# --- Catalog -----------------------------------------------------------------


# --- Accounts ----------------------------------------------------------------
