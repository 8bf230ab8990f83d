"""One rule for comparing usernames and e-mail addresses, in Python and in the database.

Python compares NFKC forms case-folded (:func:`normalize_identifier`). The
database compares ``UPPER()`` of the stored NFKC form, as Django's
``__iexact`` does, through unique functional indexes on ``auth.User``
(migration 0002); on SQLite, ``UPPER()`` folds ASCII letters only.
"""

import unicodedata

from django.db.models import Count, Q, UniqueConstraint
from django.db.models.functions import Upper

# The unique indexes migration 0002 creates on auth.User.
USERNAME_INDEX = "shopcore_user_username_upper_uniq"
EMAIL_INDEX = "shopcore_user_email_upper_uniq"
# The databases whose unique indexes take expressions and conditions.
INDEXED_VENDORS = {"postgresql", "sqlite"}


def normalize_identifier(value):
    """The form in which names compare: ``Alice``, ``alice`` and a fullwidth ``alice`` agree."""
    return unicodedata.normalize("NFKC", value).casefold()


def identifier_constraints():
    """The case-insensitive unique indexes of ``auth.User``'s username and e-mail address."""
    return [
        UniqueConstraint(Upper("username"), name=USERNAME_INDEX),
        # Django's users may leave the address blank, many of them.
        UniqueConstraint(Upper("email"), name=EMAIL_INDEX, condition=~Q(email="")),
    ]


def identifier_clashes(user_model, using="default"):
    """``{field: [names...]}`` of the users that the indexes would refuse, for each field."""
    clashes = {}
    for field in ("username", "email"):
        users = user_model._default_manager.using(using).exclude(**{field: ""})
        keys = (
            users.values(key=Upper(field))
            .annotate(count=Count("pk"))
            .filter(count__gt=1)
            .values_list("key", flat=True)
        )
        names = sorted(
            users.annotate(key=Upper(field))
            .filter(key__in=list(keys))
            .values_list(field, flat=True)
        )
        if names:
            clashes[field] = names
    return clashes
