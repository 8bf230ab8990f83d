"""The product list's ``option`` filter: one active variant has every option asked for."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .filter_fields import RepeatedParameterWidget
from .models import (
    OPTION_NAME_MAX_LENGTH,
    OPTION_VALUE_MAX_LENGTH,
    ProductVariant,
    VariantOption,
)

# More ``option`` parameters than a storefront sends; bounds the subqueries.
MAX_OPTION_PARAMETERS = 20


class OptionChoicesField(forms.Field):
    """``name:value`` pairs, as ``{name: {values}}``; an empty parameter is no filter."""

    widget = RepeatedParameterWidget
    default_error_messages = {
        "invalid": _(
            "Use name:value (a name of 1 to %(name_max)d characters, "
            "a value of 1 to %(value_max)d), e.g. size:M."
        ),
        "too_many": _("At most %(max)d option parameters."),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return {}
        values = [value] if isinstance(value, str) else value
        if len(values) > MAX_OPTION_PARAMETERS:
            raise forms.ValidationError(
                self.error_messages["too_many"],
                code="too_many",
                params={"max": MAX_OPTION_PARAMETERS},
            )
        choices: dict[str, set[str]] = {}
        for raw in values:
            if raw == "":
                continue
            name, separator, choice = raw.partition(":")
            if not (
                separator
                and 1 <= len(name) <= OPTION_NAME_MAX_LENGTH
                and 1 <= len(choice) <= OPTION_VALUE_MAX_LENGTH
                and "\x00" not in raw
            ):
                raise forms.ValidationError(
                    self.error_messages["invalid"],
                    code="invalid",
                    params={
                        "name_max": OPTION_NAME_MAX_LENGTH,
                        "value_max": OPTION_VALUE_MAX_LENGTH,
                    },
                )
            choices.setdefault(name, set()).add(choice)
        return choices


class OptionFilter(django_filters.Filter):
    field_class = OptionChoicesField


def filter_by_options(queryset, choices):
    """The products of ``queryset`` with an active variant having, per name, one of its values."""
    if not choices:
        return queryset
    # One variant must have them all: size M in red, not an M in blue
    # beside an L in red. Each name is one lookup on (name, value, variant).
    variants = ProductVariant.objects.filter(is_active=True)
    for option_name, values in choices.items():
        rows = VariantOption.objects.filter(name=option_name, value__in=sorted(values))
        variants = variants.filter(pk__in=rows.values("variant_id"))
    return queryset.filter(pk__in=variants.values("product_id"))
