"""Page-number pagination with strict parameters, for every shopcore list."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from .ids import ID_MAX_DIGITS, MAX_BIGINT, is_digits
from .query import single_query_param
from .schema_bounds import integer_schema
from .settings import shopcore_settings


class ShopcorePageNumberPagination(PageNumberPagination):
    """``?page=N&page_size=M``; sizes from ``SHOPCORE``, read per request.

    Unlike DRF's default, a malformed or repeated ``page`` or ``page_size`` is
    rejected with a 400 naming the parameter instead of being silently
    replaced. A page past the end is still a 404, as in DRF.
    """

    page_size_query_param = "page_size"

    def get_page_size(self, request):
        raw = single_query_param(request, self.page_size_query_param)
        if raw is None or raw == "":
            return shopcore_settings.PAGE_SIZE
        max_page_size = shopcore_settings.MAX_PAGE_SIZE
        size = parse_positive_int(raw)
        if size is None or size > max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Must be a whole number from 1 to %(max)d.") % {"max": max_page_size}
                    ]
                }
            )
        return size

    def get_page_number(self, request, paginator):
        raw = single_query_param(request, self.page_query_param)
        if raw is None or raw == "":
            return 1
        if raw in self.last_page_strings:
            return paginator.num_pages
        number = parse_positive_int(raw)
        if number is None:
            raise ValidationError(
                {self.page_query_param: [_("Must be a whole number from 1, or 'last'.")]}
            )
        return number

    def get_paginated_response_schema(self, schema):
        response_schema = super().get_paginated_response_schema(schema)
        # Every key is in every page; `next` and `previous` are null at the ends.
        response_schema["required"] = list(response_schema["properties"])
        response_schema["properties"]["count"].update(integer_schema(0, MAX_BIGINT))
        return response_schema


def parse_positive_int(raw):
    """``raw`` as an int >= 1, or None. Only ASCII digits: no signs, spaces or non-ASCII digits."""
    if not is_digits(raw) or len(raw) > ID_MAX_DIGITS:
        return None
    value = int(raw)
    return value if value >= 1 else None
