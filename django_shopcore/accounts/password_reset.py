"""Password reset by e-mail: a single-use, expiring link, answered alike for every address.

The token is Django's ``default_token_generator``: an HMAC over the user's
password hash, last login and a timestamp, so it stops working once used
(the password changes) and after ``PASSWORD_RESET_TIMEOUT`` seconds.
"""

import unicodedata

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from ..core.serializers import TextEmailField, TextField
from ..core.settings import shopcore_settings
from . import examples
from .serializers import PasswordField
from .tokens import revoke_user_tokens

# RFC 5321's longest address.
EMAIL_MAX_LENGTH = 254
# Far longer than any part of a link Django makes (a user id in base64, ``<time>-<hash>``).
RESET_LINK_PART_MAX_LENGTH = 255
SUBJECT_TEMPLATE = "shopcore_accounts/password_reset_subject.txt"
BODY_TEMPLATE = "shopcore_accounts/password_reset_email.txt"


def reset_link(uid, token):
    """``SHOPCORE['PASSWORD_RESET_URL']`` with the user's ``{uid}`` and ``{token}``."""
    template = shopcore_settings.PASSWORD_RESET_URL or ""
    return template.replace("{uid}", uid).replace("{token}", token)


def render_reset_mail(user, email):
    """The subject and body of the reset e-mail for ``user``."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    context = {
        "user": user,
        "email": email,
        "uid": uid,
        "token": token,
        "reset_url": reset_link(uid, token),
        "timeout_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }
    subject = "".join(render_to_string(SUBJECT_TEMPLATE, context).splitlines())
    return subject, render_to_string(BODY_TEMPLATE, context)


def resettable_users(email):
    """Active users with a usable password and this address, whatever its case."""
    email_field = get_user_model().get_email_field_name()
    users = get_user_model()._default_manager.filter(
        **{f"{email_field}__iexact": email, "is_active": True}
    )
    return [user for user in users if user.has_usable_password()]


@extend_schema_serializer(examples=examples.PASSWORD_RESET_EXAMPLES)
class PasswordResetSerializer(serializers.Serializer):
    """An e-mail address; a reset link goes to the active accounts that have it.

    The work is the same for a known and an unknown address, bar the send:
    a token and an e-mail are made for a stand-in user, so the answer takes
    about as long either way.
    """

    email = TextEmailField(max_length=EMAIL_MAX_LENGTH)

    def validate_email(self, value):
        return BaseUserManager.normalize_email(unicodedata.normalize("NFKC", value))

    # Takes no keyword arguments: there is nothing to add to what it validated.
    def save(self):  # type: ignore[override]
        email = self.validated_data["email"]
        users = resettable_users(email)
        if not users:
            # A stand-in, never saved: the same token and rendering cost.
            render_reset_mail(get_user_model()(password=""), email)
        for user in users:
            subject, body = render_reset_mail(user, email)
            send_mail(subject, body, None, [email])


class PasswordResetAcceptedSerializer(serializers.Serializer):
    """The 202 answer of a reset request, the same for every address."""

    detail = serializers.CharField(read_only=True)


@extend_schema_serializer(examples=examples.PASSWORD_RESET_CONFIRM_EXAMPLES)
class PasswordResetConfirmSerializer(serializers.Serializer):
    """The ``uid`` and ``token`` of a reset link, and the new password."""

    default_error_messages = {
        "invalid_token": _("The reset link is invalid, expired or was already used."),
    }

    uid = TextField(max_length=RESET_LINK_PART_MAX_LENGTH)
    token = TextField(max_length=RESET_LINK_PART_MAX_LENGTH)
    new_password = PasswordField()

    def validate(self, attrs):
        user = self.user_of(attrs["uid"])
        if user is None or not default_token_generator.check_token(user, attrs["token"]):
            raise serializers.ValidationError({"token": [self.error_messages["invalid_token"]]})
        try:
            validate_password(attrs["new_password"], user)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"new_password": list(exc.messages)}) from exc
        attrs["user"] = user
        return attrs

    def user_of(self, uid):
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(force_str(urlsafe_base64_decode(uid)))
            return model._default_manager.get(pk=pk, is_active=True)
        except (ValueError, TypeError, OverflowError, DjangoValidationError, model.DoesNotExist):
            return None

    # Takes no keyword arguments: there is nothing to add to what it validated.
    @transaction.atomic
    def save(self):  # type: ignore[override]
        user = self.validated_data["user"]
        user.set_password(self.validated_data["new_password"])
        user.save(update_fields=["password"])
        revoke_user_tokens(user)
        return user
