"""Query parameters that take one value: given twice, they are a 400 naming them."""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

REPEATED_MESSAGE = _("Give this parameter once; it was given %(count)d times.")


def repeated_message(count):
    return REPEATED_MESSAGE % {"count": count}


def single_query_param(request, name):
    """The value of the query parameter ``name`` (None when absent); a 400 when repeated.

    ``QueryDict.get`` would silently take the last of ``?page=1&page=2``.
    """
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise ValidationError({name: [repeated_message(len(values))]})
    return values[0] if values else None
