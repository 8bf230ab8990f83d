"""Fixtures shared by every test module."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db.models import F
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from django_shopcore.accounts.tokens import RefreshToken
from django_shopcore.catalog.search import part_estimates
from django_shopcore.core.counting import large_estimates
from django_shopcore.core.settings import shopcore_settings

from .factories import AdminFactory, UserFactory


@pytest.fixture(autouse=True)
def clear_cache():
    """Throttle counters live in the cache: every test starts with none."""
    cache.clear()


@pytest.fixture(autouse=True)
def clear_estimates():
    """Row estimates are remembered per process: a test must not see an earlier test's."""
    large_estimates.clear()
    part_estimates.clear()


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def admin_user(db):
    return AdminFactory()


def bearer_client(user):
    """A client sending an access token issued the way ``auth/login/`` issues it."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def user_client(user):
    return bearer_client(user)


@pytest.fixture
def admin_client(admin_user):
    return bearer_client(admin_user)


def outlive_the_reuse_grace():
    """Time travel: every rotation so far happened before the reuse grace window."""
    ago = timedelta(seconds=shopcore_settings.REFRESH_REUSE_GRACE_SECONDS + 1)
    BlacklistedToken.objects.update(blacklisted_at=F("blacklisted_at") - ago)
