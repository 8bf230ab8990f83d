"""Refresh tokens with families, reuse detection and revocation on top of simplejwt.

Every login starts a :class:`~django_shopcore.accounts.models.TokenFamily`; its id
travels in the ``fam`` claim of each refresh token rotated from that login.
Presenting a refresh token that was already rotated (or logged out) revokes
the whole family. Every token also carries ``pwd``, a keyed digest of the
user's password hash, so changing the password invalidates all its tokens.
``manage.py shopcore_flushexpiredtokens`` deletes the families none of whose
tokens can still be used (each family records its newest token's expiry).
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
from rest_framework_simplejwt.exceptions import AuthenticationFailed, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from ..core.settings import shopcore_settings
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
        self.token = token
        self.family_id = token.family_id


class RefreshToken(tokens.RefreshToken):
    """simplejwt's refresh token, issued into a token family."""

    @classmethod
    def for_user(cls, user):
        """Start a new token family for ``user`` and return its first token.

        simplejwt's ``for_user`` sets the user id (and its own revoke claim when
        ``CHECK_REVOKE_TOKEN`` is on) and, the blacklist app being installed,
        records the token as outstanding. It does so before the family and
        password claims are added here: the stored copy (``OutstandingToken.token``)
        lacks them, which is harmless, since rows are found by ``jti`` alone.
        """
        token = super().for_user(user)
        family = TokenFamily.objects.create(user=user, expires_at=expiry_of(token))
        token[FAMILY_CLAIM] = str(family.pk)
        token[PASSWORD_CLAIM] = password_fingerprint(user)
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
            expires_at=expiry_of(self),
        )

    @property
    def family_id(self):
        return claimed_family_id(self)


def expiry_of(token):
    return datetime_from_epoch(token["exp"])


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
    refreshes with one token only the first rotates it; the second then sees
    it blacklisted. Within ``SHOPCORE['REFRESH_REUSE_GRACE_SECONDS']`` of its
    rotation (two tabs refreshing at once) the second gets a successor of its
    own in the same family; later, it is reuse: the whole family is revoked.
    """
    try:
        with transaction.atomic():
            token = verified_ignoring_blacklist(raw_token)
            outstanding = (
                OutstandingToken.objects.select_for_update()
                .filter(jti=token[api_settings.JTI_CLAIM])
                .first()
            )
            if outstanding is None:
                raise TokenError(_("Token is not recognised"))
            rotated = BlacklistedToken.objects.filter(token=outstanding).first()
            if rotated is not None and not just_rotated(rotated):
                raise ReusedTokenError(token)
            if token.family_id is None:
                raise TokenError(_("Token has no token family"))
            # The successor: new id and times, the same claims otherwise.
            token.set_jti()
            token.set_exp()
            token.set_iat()
            # The family now lives as long as its successor; unless it was revoked.
            extended = TokenFamily.objects.filter(pk=token.family_id, revoked_at=None).update(
                expires_at=expiry_of(token)
            )
            if not extended:
                raise TokenError(_("Token has been revoked"))
            user = outstanding.user
            if user is None:
                raise AuthenticationFailed(_("User not found"), code="user_not_found")
            check_user_may_use(user, token)
            if rotated is None:
                BlacklistedToken.objects.create(token=outstanding)
            token.record_outstanding(user)
            return token
    except ReusedTokenError as exc:
        # Outside the rolled-back block, so the revocation is kept.
        revoke_reused_family(exc)
        raise


def verified_ignoring_blacklist(raw_token):
    """The refresh token, fully verified, whether or not it is blacklisted.

    Whether a blacklisted token is reuse is decided under the row lock.
    """
    try:
        return RefreshToken(raw_token)
    except ReusedTokenError as exc:
        # Decoding checked the signature and expiry; the blacklist check comes
        # before simplejwt's other checks, so run them.
        exc.token.verify_token_type()
        exc.token.check_exp()
        return exc.token


def just_rotated(blacklisted):
    """Whether ``blacklisted`` was rotated within the reuse grace window.

    A token ended by logout or revocation has a revoked family, which the
    caller checks next, so only a rotation can pass here.
    """
    grace = shopcore_settings.REFRESH_REUSE_GRACE_SECONDS
    return grace > 0 and blacklisted.blacklisted_at > timezone.now() - timedelta(seconds=grace)


def revoke_reused_family(reuse):
    """A rotated or revoked token came back (a :class:`ReusedTokenError`): end its login."""
    revoke_family(reuse.family_id)
    # A replayed token may mean a stolen one: worth a security log line.
    logger.warning("Refresh token reused; token family %s revoked.", reuse.family_id)


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
        # Outstanding tokens first, then families: the order a rotation locks them
        # in, so that the two never wait for each other crosswise.
        outstanding = OutstandingToken.objects.filter(
            user=user, expires_at__gt=now, blacklistedtoken__isnull=True
        )
        BlacklistedToken.objects.bulk_create(
            [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
        )
        TokenFamily.objects.filter(user=user, revoked_at=None).update(revoked_at=now)


def token_belongs_to(token, user):
    return token.get(api_settings.USER_ID_CLAIM) == str(getattr(user, api_settings.USER_ID_FIELD))


def flush_expired_families(batch_size=500):
    """Delete the token families none of whose refresh tokens can still be used.

    A family's ``expires_at`` is its newest refresh token's expiry, so no token
    is read: the families past it are deleted, ``batch_size`` at a time.
    Returns the number of families deleted.
    """
    # A minute's grace: a refresh that took a token just before it expired may
    # not have committed its successor yet.
    expired = TokenFamily.objects.filter(expires_at__lt=timezone.now() - FAMILY_GRACE)
    deleted = 0
    while batch := list(expired.order_by("pk").values_list("pk", flat=True)[:batch_size]):
        # The condition again: a rotation may have extended a family since.
        deleted += expired.filter(pk__in=batch).delete()[0]
    return deleted
