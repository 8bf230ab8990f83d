"""Refresh-token lifecycle: rotation, token families, reuse detection, flushing, bad tokens."""

import base64
import json
from datetime import timedelta
from io import StringIO
from pathlib import Path

import jwt
import pytest
from django.conf import global_settings, settings
from django.contrib.auth.hashers import get_hasher
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt import tokens as simplejwt_tokens
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from django_shopcore.accounts.checks import check_refresh_rotation_blacklist
from django_shopcore.accounts.models import TokenFamily
from django_shopcore.accounts.tokens import (
    FAMILY_CLAIM,
    PASSWORD_CLAIM,
    RefreshToken,
    password_fingerprint,
)

pytestmark = pytest.mark.user_model_agnostic

REFRESH_URL = reverse("shopcore_auth:refresh")
ME_URL = reverse("shopcore_auth:me")


def refresh(token):
    return APIClient().post(REFRESH_URL, {"refresh": str(token)}, format="json")


def b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


# --- rotation and families ---------------------------------------------------


@pytest.mark.django_db
def test_refresh_rotates_within_the_family_and_blacklists_the_used_token(user):
    first = RefreshToken.for_user(user)

    response = refresh(first)

    assert response.status_code == 200
    assert set(response.data) == {"access", "refresh"}
    second = RefreshToken(response.data["refresh"])
    assert second["jti"] != first["jti"]
    assert second.family_id == first.family_id
    assert BlacklistedToken.objects.filter(token__jti=first["jti"]).exists()
    assert OutstandingToken.objects.filter(jti=second["jti"], user=user).exists()
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {response.data['access']}")
    assert client.get(ME_URL).status_code == 200


@pytest.mark.django_db
def test_a_family_rotates_many_times(user):
    token = str(RefreshToken.for_user(user))

    for _ in range(3):
        response = refresh(token)
        assert response.status_code == 200
        token = response.data["refresh"]

    assert TokenFamily.objects.count() == 1


@pytest.mark.django_db
def test_reusing_a_rotated_token_revokes_the_whole_family(user, caplog):
    stolen = RefreshToken.for_user(user)
    successor = refresh(stolen).data["refresh"]

    reuse = refresh(stolen)

    assert reuse.status_code == 401
    assert reuse.data["detail"] == "Token is blacklisted"
    family = TokenFamily.objects.get()
    assert family.revoked_at is not None
    assert f"token family {family.pk} revoked" in caplog.text
    after = refresh(successor)
    assert after.status_code == 401
    assert after.data["detail"] == "Token has been revoked"


@pytest.mark.django_db
def test_reuse_detection_spares_the_users_other_logins(user):
    stolen = RefreshToken.for_user(user)
    other_login = RefreshToken.for_user(user)
    refresh(stolen)

    refresh(stolen)

    assert refresh(other_login).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_reuse_detection_survives_atomic_requests(user, monkeypatch):
    # DRF rolls the request's transaction back on an error; the revocation must stay.
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    stolen = RefreshToken.for_user(user)
    refresh(stolen)

    assert refresh(stolen).status_code == 401

    assert TokenFamily.objects.get().revoked_at is not None


@pytest.mark.django_db
def test_a_token_without_a_family_is_refused(user):
    # As simplejwt's own views would issue it: reuse could not be detected.
    token = simplejwt_tokens.RefreshToken.for_user(user)
    token[PASSWORD_CLAIM] = password_fingerprint(user)

    response = refresh(token)

    assert response.status_code == 401
    assert response.data["detail"] == "Token has no token family"


@pytest.mark.django_db
def test_a_token_that_is_not_outstanding_is_refused(user):
    token = RefreshToken.for_user(user)
    OutstandingToken.objects.all().delete()

    response = refresh(token)

    assert response.status_code == 401
    assert response.data["detail"] == "Token is not recognised"


@pytest.mark.django_db
def test_refresh_after_the_password_changed_elsewhere_is_refused(user):
    token = RefreshToken.for_user(user)
    # E.g. through the Django admin or a password reset: no API call revoked anything.
    user.set_password("Changed-Elsewhere-42")
    user.save()

    response = refresh(token)

    assert response.status_code == 401
    assert response.data["code"] == "password_changed"


@pytest.mark.django_db
def test_refresh_for_a_deleted_user_is_refused(user):
    token = RefreshToken.for_user(user)
    user.delete()

    assert refresh(token).status_code == 401


@pytest.mark.django_db
def test_refresh_for_a_deactivated_user_is_refused(user):
    token = RefreshToken.for_user(user)
    user.is_active = False
    user.save()

    response = refresh(token)

    assert response.status_code == 401
    assert response.data["code"] == "user_inactive"


# --- flushing expired tokens and families ------------------------------------


def backdate(by, *tokens):
    """Make the outstanding rows of ``tokens`` and their family ``by`` older."""
    OutstandingToken.objects.filter(jti__in=[token["jti"] for token in tokens]).update(
        created_at=F("created_at") - by, expires_at=F("expires_at") - by
    )
    TokenFamily.objects.filter(pk=tokens[0].family_id).update(created_at=F("created_at") - by)


def rotated(token):
    return RefreshToken(refresh(token).data["refresh"])


def flush(**options):
    out = StringIO()
    call_command("shopcore_flushexpiredtokens", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def families(user):
    """Logins of one user; refresh tokens last simplejwt's default day."""
    assert RefreshToken.lifetime == timedelta(days=1)
    expired = RefreshToken.for_user(user)
    backdate(timedelta(days=30), expired)
    first = RefreshToken.for_user(user)
    second = rotated(first)
    expired_after_refreshes = rotated(second)
    backdate(timedelta(days=8), first, second, expired_after_refreshes)
    # Logged in a month ago, and refreshed since.
    kept_alive = RefreshToken.for_user(user)
    refreshed = rotated(kept_alive)
    backdate(timedelta(days=30), kept_alive)
    backdate(timedelta(hours=1), refreshed)
    fresh = RefreshToken.for_user(user)
    return {
        "expired": {expired.family_id, expired_after_refreshes.family_id},
        "live": {kept_alive.family_id, fresh.family_id},
    }


def outstanding(**filters):
    return set(OutstandingToken.objects.filter(**filters).values_list("pk", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize("batch_size", [1, 500])
def test_flushing_deletes_the_expired_families_and_tokens_only(families, batch_size):
    unexpired = outstanding(expires_at__gt=timezone.now())

    output = flush(batch_size=batch_size)

    assert set(TokenFamily.objects.values_list("pk", flat=True)) == families["live"]
    assert outstanding() == unexpired
    assert not BlacklistedToken.objects.exists()  # Every rotated token had expired.
    # The expired families' 1 + 3 tokens, and the live family's first one.
    assert output == "Deleted 2 token families and 5 expired outstanding tokens.\n"


@pytest.mark.django_db
def test_a_family_is_kept_for_a_minute_after_its_last_token_expired(user):
    token = RefreshToken.for_user(user)
    backdate(timedelta(days=1, seconds=30), token)

    flush()

    assert TokenFamily.objects.filter(pk=token.family_id).exists()


@pytest.mark.django_db
def test_flushing_twice_deletes_nothing_more(families):
    flush()

    assert flush() == "Deleted 0 token families and 0 expired outstanding tokens.\n"
    assert set(TokenFamily.objects.values_list("pk", flat=True)) == families["live"]


@pytest.mark.django_db
def test_flushing_keeps_reuse_detection_for_live_tokens(user):
    stolen = RefreshToken.for_user(user)
    current = rotated(stolen)
    # Old enough to be looked at, with both tokens unexpired.
    TokenFamily.objects.update(created_at=timezone.now() - timedelta(days=3))

    assert flush() == "Deleted 0 token families and 0 expired outstanding tokens.\n"

    reuse = refresh(stolen)
    assert reuse.status_code == 401
    assert reuse.data["detail"] == "Token is blacklisted"
    assert TokenFamily.objects.get().revoked_at is not None
    assert refresh(current).data["detail"] == "Token has been revoked"


@pytest.mark.django_db
def test_flushing_is_silent_at_verbosity_zero(families):
    assert flush(verbosity=0) == ""
    assert TokenFamily.objects.count() == 2


def test_flushing_needs_a_positive_batch_size():
    with pytest.raises(CommandError, match="--batch-size"):
        flush(batch_size=0)


# --- bad tokens --------------------------------------------------------------


def expired(token):
    token.set_exp(from_time=token.current_time - timedelta(days=30))
    return str(token)


def tampered(token):
    header, payload, signature = str(token).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["user_id"] = "999999"
    return f"{header}.{b64(claims)}.{signature}"


def unsigned(token):
    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(token.payload)}."


def foreign_key(token):
    return jwt.encode(token.payload, "some-other-key-of-at-least-32-bytes!", algorithm="HS256")


def access_instead(token):
    return str(token.access_token)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make_bad", "detail"),
    [
        (expired, "Token is expired"),
        (tampered, "Token is invalid"),
        (unsigned, "Token is invalid"),
        (foreign_key, "Token is invalid"),
        (access_instead, "Token has wrong type"),
        (lambda token: "not.a.jwt", "Token is invalid"),
        (lambda token: "garbage", "Token is invalid"),
    ],
    ids=["expired", "tampered", "alg-none", "other-key", "access-token", "malformed", "garbage"],
)
def test_bad_refresh_tokens_are_401_with_a_clear_detail(user, make_bad, detail):
    response = refresh(make_bad(RefreshToken.for_user(user)))

    assert response.status_code == 401
    assert response.data["detail"] == detail
    assert response.data["code"] == "token_not_valid"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"refresh": ""}, {"refresh": None}])
def test_a_missing_refresh_token_is_400_naming_it(api_client, body):
    response = api_client.post(REFRESH_URL, body, format="json")

    assert response.status_code == 400
    assert list(response.data) == ["refresh"]


# --- claims ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_password_claim_reveals_nothing_about_the_password_hash(user):
    token = RefreshToken.for_user(user)

    assert token[PASSWORD_CLAIM] == password_fingerprint(user)
    assert token[PASSWORD_CLAIM] not in user.password
    assert token[PASSWORD_CLAIM] != get_md5_hash_password(user.password)


@pytest.mark.django_db
def test_the_password_claim_changes_with_the_password(user):
    before = password_fingerprint(user)
    user.set_password("Changed-Passphrase-42")

    assert password_fingerprint(user) != before


@pytest.mark.django_db
def test_access_tokens_carry_the_family_and_password_claims(user):
    refresh_token = RefreshToken.for_user(user)
    access = refresh_token.access_token

    assert access[FAMILY_CLAIM] == refresh_token[FAMILY_CLAIM]
    assert access[PASSWORD_CLAIM] == refresh_token[PASSWORD_CLAIM]


@pytest.mark.django_db
@override_settings(SIMPLE_JWT={**settings.SIMPLE_JWT, "CHECK_REVOKE_TOKEN": True})
def test_simplejwts_revoke_claim_is_kept_when_the_host_enables_it(user):
    access = RefreshToken.for_user(user).access_token
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {access}")

    assert client.get(ME_URL).status_code == 200


# --- configuration -----------------------------------------------------------


def test_the_blacklist_app_is_required():
    assert check_refresh_rotation_blacklist(None) == []
    without_blacklist = [
        app for app in settings.INSTALLED_APPS if app != "rest_framework_simplejwt.token_blacklist"
    ]

    with override_settings(INSTALLED_APPS=without_blacklist):
        (error,) = check_refresh_rotation_blacklist(None)

    assert error.id == "shopcore.E004"
    assert "token_blacklist" in error.hint


def test_djangos_default_password_hasher_is_pbkdf2():
    with override_settings(PASSWORD_HASHERS=global_settings.PASSWORD_HASHERS):
        assert get_hasher("default").algorithm == "pbkdf2_sha256"


def test_the_example_project_keeps_the_default_password_hasher():
    example_settings = (
        Path(__file__).parent.parent.parent / "example_project" / "demo" / "settings.py"
    )

    assert "PASSWORD_HASHERS" not in example_settings.read_text()


@pytest.mark.django_db
def test_a_refresh_costs_a_fixed_number_of_queries(user, django_assert_num_queries):
    token = RefreshToken.for_user(user)

    # Savepoint, blacklist check, locked token row, blacklist check under the
    # lock, family, user, blacklist insert, new outstanding token, release.
    with django_assert_num_queries(9):
        assert refresh(token).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_families_in_use_streams_tokens_inside_a_transaction(monkeypatch):
    """A server-side cursor (.iterator() on PostgreSQL) must not outlive its transaction,
    or a transaction-mode pooler (pgbouncer) hands the next fetch to another connection."""
    from django_shopcore.accounts import tokens as shopcore_tokens

    from ..factories import UserFactory

    user = UserFactory()
    RefreshToken.for_user(user)
    decode = shopcore_tokens.token_backend.decode
    in_transaction = []

    def recording_decode(*args, **kwargs):
        in_transaction.append(connection.in_atomic_block)
        return decode(*args, **kwargs)

    monkeypatch.setattr(shopcore_tokens.token_backend, "decode", recording_decode)
    assert len(shopcore_tokens.families_in_use({user.pk}, timezone.now())) == 1
    assert in_transaction == [True]
