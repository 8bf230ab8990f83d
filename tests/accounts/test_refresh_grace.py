"""The reuse grace window: a just-rotated refresh token refreshes once more, briefly."""

import pytest
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from django_shopcore.accounts.models import TokenFamily
from django_shopcore.accounts.tokens import RefreshToken

from ..conftest import bearer_client, outlive_the_reuse_grace

pytestmark = pytest.mark.user_model_agnostic

REFRESH_URL = reverse("shopcore_auth:refresh")


def refresh(token):
    return APIClient().post(REFRESH_URL, {"refresh": str(token)}, format="json")


@pytest.mark.django_db
def test_within_the_grace_window_the_rotated_token_gets_a_successor_in_its_family(user):
    token = RefreshToken.for_user(user)
    first_tab = refresh(token)

    second_tab = refresh(token)

    assert first_tab.status_code == second_tab.status_code == 200
    assert second_tab["Cache-Control"] == "no-store"
    successors = [first_tab.data["refresh"], second_tab.data["refresh"]]
    assert successors[0] != successors[1]
    assert {RefreshToken(raw).family_id for raw in successors} == {token.family_id}
    assert TokenFamily.objects.get().revoked_at is None
    # Both tabs go on refreshing, and their access tokens work.
    assert [refresh(raw).status_code for raw in successors] == [200, 200]
    assert bearer_client(user).get(reverse("shopcore_auth:me")).status_code == 200


@pytest.mark.django_db
def test_after_the_grace_window_the_replay_revokes_the_family(user):
    token = RefreshToken.for_user(user)
    successor = refresh(token).data["refresh"]
    outlive_the_reuse_grace()

    replay = refresh(token)

    assert replay.status_code == 401
    assert TokenFamily.objects.get().revoked_at is not None
    assert refresh(successor).status_code == 401


@pytest.mark.django_db
@override_settings(SHOPCORE={"REFRESH_REUSE_GRACE_SECONDS": 0})
def test_a_grace_of_zero_revokes_at_once(user):
    token = RefreshToken.for_user(user)
    refresh(token)

    assert refresh(token).status_code == 401
    assert TokenFamily.objects.get().revoked_at is not None


@pytest.mark.django_db
def test_the_grace_window_does_not_revive_a_logged_out_token(user, user_client):
    token = RefreshToken.for_user(user)
    logout = user_client.post(
        reverse("shopcore_auth:logout"), {"refresh": str(token)}, format="json"
    )

    assert logout.status_code == 204
    assert refresh(token).status_code == 401
