"""Refresh tokens with families, reuse detection and revocation on top of simplejwt.

Every login starts a :class:`~django_shopcore.accounts.models.TokenFamily`; its id
travels in the ``fam`` claim of each refresh token rotated from that login.
Presenting a refresh token that was already rotated (or logged out) revokes
the whole family. Every token also carries ``pwd``, a keyed digest of the
user's password hash, so changing the password invalidates all its tokens.
``manage.py shopcore_flushexpiredtokens`` deletes the families none of whose
tokens can still be used.
"""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from rest_framework_simplejwt import tokens
from rest_framework_simplejwt.exceptions import (
    AuthenticationFailed,
    TokenBackendError,
    TokenError,
)
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.utils import datetime_from_epoch, get_md5_hash_password

from .models import TokenFamily

logger = logging.getLogger(__name__)

# The id of the token family: one per login, kept through every rotation.
FAMILY_CLAIM = "fam"
# A keyed digest of the password hash: it changes with the password.
PASSWORD_CLAIM = "pwd"  # noqa: S105 (a claim name)
PASSWORD_KEY_SALT = "django_shopcore.tokens.password_fingerprint"  # noqa: S105
# How long after its last token expires a family is kept at least.
FAMILY_GRACE = timedelta(minutes=1)


class ReusedTokenError(TokenError):
    """A refresh token that was already rotated or revoked was presented again."""

    def __init__(self, token):
        super().__init__(_("Token is blacklisted"))
        self.family_id = token.family_id


class RefreshToken(tokens.RefreshToken):
    """simplejwt's refresh token, issued into a token family."""

    @classmethod
    def for_user(cls, user):
        """Start a new token family for ``user`` and return its first token."""
        family = TokenFamily.objects.create(user=user)
        token = cls()
        token[api_settings.USER_ID_CLAIM] = str(getattr(user, api_settings.USER_ID_FIELD))
        token[FAMILY_CLAIM] = str(family.pk)
        token[PASSWORD_CLAIM] = password_fingerprint(user)
        if api_settings.CHECK_REVOKE_TOKEN:
            # Keep simplejwt's own password-change claim working for hosts that enable it.
            token[api_settings.REVOKE_TOKEN_CLAIM] = get_md5_hash_password(user.password)
        token.record_outstanding(user)
        return token

    def check_blacklist(self):
        if BlacklistedToken.objects.filter(token__jti=self[api_settings.JTI_CLAIM]).exists():
            raise ReusedTokenError(self)

    def record_outstanding(self, user):
        """List this token as outstanding, so it can be blacklisted and locked."""
        return OutstandingToken.objects.create(
            user=user,
            jti=self[api_settings.JTI_CLAIM],
            token=str(self),
            created_at=self.current_time,
            expires_at=datetime_from_epoch(self["exp"]),
        )

    @property
    def family_id(self):
        return claimed_family_id(self)


def claimed_family_id(claims):
    """The token family id in ``claims``, or None when it is missing or malformed."""
    try:
        return uuid.UUID(str(claims.get(FAMILY_CLAIM)))
    except ValueError:
        return None


def password_fingerprint(user, secret=None):
    """A digest of the password hash keyed with SECRET_KEY: it reveals nothing about it."""
    return salted_hmac(
        PASSWORD_KEY_SALT, user.password, secret=secret, algorithm="sha256"
    ).hexdigest()[:32]


def password_fingerprint_matches(user, token):
    claim = token.get(PASSWORD_CLAIM)
    if not isinstance(claim, str):
        return False
    # Tokens signed before a SECRET_KEY rotation stay valid, like Django's sessions.
    secrets = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return any(
        constant_time_compare(claim, password_fingerprint(user, secret)) for secret in secrets
    )


def check_user_may_use(user, token):
    """Refuse tokens of deactivated users and tokens older than the current password."""
    if not getattr(user, "is_active", True):
        raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
    if not password_fingerprint_matches(user, token):
        raise AuthenticationFailed(
            _("The user's password has been changed."), code="password_changed"
        )


def rotate_refresh_token(raw_token):
    """Blacklist a refresh token and return its successor in the same family.

    The presented token's outstanding row is locked, so of two concurrent
    refreshes with one token only the first rotates it; the second sees it
    blacklisted, which is reuse: the whole family is then revoked.
    """
    try:
        with transaction.atomic():
            token = RefreshToken(raw_token)
            outstanding = (
                OutstandingToken.objects.select_for_update()
                .filter(jti=token[api_settings.JTI_CLAIM])
                .first()
            )
            if outstanding is None:
                raise TokenError(_("Token is not recognised"))
            if BlacklistedToken.objects.filter(token=outstanding).exists():
                raise ReusedTokenError(token)
            if token.family_id is None:
                raise TokenError(_("Token has no token family"))
            if not TokenFamily.objects.filter(pk=token.family_id, revoked_at=None).exists():
                raise TokenError(_("Token has been revoked"))
            user = outstanding.user
            if user is None:
                raise AuthenticationFailed(_("User not found"), code="user_not_found")
            check_user_may_use(user, token)
            BlacklistedToken.objects.create(token=outstanding)
            token.set_jti()
            token.set_exp()
            token.set_iat()
            token.record_outstanding(user)
            return token
    except ReusedTokenError as exc:
        # Outside the rolled-back block, so the revocation is kept.
        revoke_family(exc.family_id)
        # A replayed token may mean a stolen one: worth a security log line.
        logger.warning("Refresh token reused; token family %s revoked.", exc.family_id)
        raise


def revoke_family(family_id):
    """Revoke a login's token family: none of its refresh tokens rotates any more."""
    if family_id is not None:
        TokenFamily.objects.filter(pk=family_id, revoked_at=None).update(revoked_at=timezone.now())


def revoke_refresh_token(token):
    """Log out one login: blacklist ``token`` and revoke its family."""
    with transaction.atomic():
        token.blacklist()
        revoke_family(token.family_id)


def revoke_user_tokens(user):
    """Revoke every refresh token and token family of ``user``."""
    now = timezone.now()
    with transaction.atomic():
        TokenFamily.objects.filter(user=user, revoked_at=None).update(revoked_at=now)
        outstanding = OutstandingToken.objects.filter(
            user=user, expires_at__gt=now, blacklistedtoken__isnull=True
        )
        BlacklistedToken.objects.bulk_create(
            [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
        )


def token_belongs_to(token, user):
    return token.get(api_settings.USER_ID_CLAIM) == str(getattr(user, api_settings.USER_ID_FIELD))


def flush_expired_families(batch_size=500):
    """Delete the token families none of whose refresh tokens can still be used.

    A family lives as long as its newest refresh token. Only the ``fam`` claim
    links a token to its family, so the unexpired outstanding tokens of the
    users concerned are decoded to find the families still in use. Returns the
    number of families deleted.
    """
    # A minute's grace: a refresh that took a token just before it expired may
    # not have committed its successor yet.
    cutoff = timezone.now() - FAMILY_GRACE
    # A younger family still has its first token: no need to look at it.
    old_families = TokenFamily.objects.filter(
        created_at__lte=cutoff - RefreshToken.lifetime
    ).order_by("pk")
    candidates = old_families
    deleted = 0
    while batch := list(candidates.values_list("pk", "user_id")[:batch_size]):
        in_use = families_in_use({user_id for _, user_id in batch}, cutoff)
        # A family without a usable token never gets one again: rotating takes one.
        expired = [pk for pk, _ in batch if pk not in in_use]
        deleted += TokenFamily.objects.filter(pk__in=expired).delete()[0]
        candidates = old_families.filter(pk__gt=batch[-1][0])
    return deleted


def families_in_use(user_ids, cutoff):
    """The families of the users' outstanding refresh tokens that expire after ``cutoff``."""
    tokens = OutstandingToken.objects.filter(user__in=user_ids, expires_at__gt=cutoff)
    families = set()
    for raw in tokens.values_list("token", flat=True).iterator():
        try:
            # Our own rows, only read to spare their families: no need to verify them.
            claims = token_backend.decode(raw, verify=False)
        except TokenBackendError:
            continue  # Nobody could present it either.
        families.add(claimed_family_id(claims))
    return families
