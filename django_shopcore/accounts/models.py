"""Account models: refresh-token families."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TokenFamily(models.Model):
    """Every refresh token descended from one login shares a family.

    Presenting an already-rotated refresh token revokes its whole family, so a
    stolen token stops working as soon as either party refreshes.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # When its newest refresh token expires (set at login, moved on by each
    # rotation): past it, no token of the family can be used any more.
    expires_at = models.DateTimeField()

    class Meta:
        # The table name of the single-app releases, so existing databases stay valid.
        db_table = "shopcore_tokenfamily"
        # The flush's lookup.
        indexes = [models.Index(fields=["expires_at"], name="shopcore_tokenfamily_expires")]
        verbose_name = _("token family")
        verbose_name_plural = _("token families")

    def __str__(self):
        return str(self.id)
