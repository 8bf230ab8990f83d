"""The catalog filters' form fields, widgets and form: each invalid value is a 400 naming it."""

from django import forms
from django.core.validators import validate_unicode_slug
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django_filters.widgets import BaseCSVWidget

from ..core.ids import is_digits, is_id
from ..core.query import repeated_message
from ..core.settings import shopcore_settings


class CategoryReferenceField(forms.CharField):
    """A category id or slug; checked for shape here, for existence by the view."""

    default_error_messages = {"invalid": _("Enter a category id or slug.")}

    def validate(self, value):
        super().validate(value)
        if not value:
            return
        if is_digits(value):
            if not is_id(value):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            return
        try:
            validate_unicode_slug(value)
        except forms.ValidationError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class ParentReferenceField(forms.CharField):
    """A parent category id, or ``null`` for root categories."""

    default_error_messages = {"invalid": _("Enter a category id or null.")}

    def validate(self, value):
        super().validate(value)
        if value and value != "null" and not is_id(value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class SearchField(forms.CharField):
    """Search text; NUL characters are refused by CharField already."""

    def validate(self, value):
        super().validate(value)
        max_length = shopcore_settings.SEARCH_MAX_LENGTH
        if len(value) > max_length:
            raise forms.ValidationError(
                _("Ensure this value has at most %(max)d characters."),
                code="max_length",
                params={"max": max_length},
            )


class RepeatedParameterWidget(forms.TextInput):
    """Reads every value of a repeated query parameter (``?option=a&option=b``).

    The browsable API's form shows one text box per value (one blank box for
    none), so submitting it sends the filter back as it came.
    """

    def format_value(self, value):
        # The browsable API's form has one text box: it can show one value back.
        if isinstance(value, (list, tuple)):
            return value[0] if len(value) == 1 else None
        return super().format_value(value)

    def value_from_datadict(self, data, files, name):
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name)

    def render(self, name, value, attrs=None, renderer=None):
        values = value if isinstance(value, (list, tuple)) else [value]
        boxes = [super().render(name, values[0] if values else None, attrs, renderer)]
        # Later boxes without the id, which the label points to and must stay unique.
        attrs_without_id = {key: item for key, item in (attrs or {}).items() if key != "id"}
        for item in values[1:]:
            boxes.append(super().render(name, item, attrs_without_id, renderer))
        # Each box is already rendered (and escaped) by the widget's template.
        return format_html_join("", "{}", ((box,) for box in boxes))


class RepeatableCSVSelect(BaseCSVWidget, forms.Select):
    """Comma-separated values, also over repeated parameters, in order.

    ``ordering=-price,name`` (the schema's form) and ``ordering=-price&ordering=name``
    (what many generated clients send for an array) both give ``["-price", "name"]``.
    """

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist") and len(data.getlist(name)) > 1:
            data = data.copy()
            data[name] = ",".join(data.getlist(name))
        return super().value_from_datadict(data, files, name)


# Widgets of parameters that may be given more than once.
REPEATABLE_WIDGETS = (RepeatableCSVSelect, RepeatedParameterWidget)


class CatalogFilterForm(forms.Form):
    """A parameter given more than once is an error, unless its field takes several values.

    Django's forms read the last of ``?min_price=1&min_price=2`` silently.
    """

    def clean(self):
        cleaned_data = super().clean()
        for name, field in self.fields.items():
            if isinstance(field.widget, REPEATABLE_WIDGETS) or not hasattr(self.data, "getlist"):
                continue
            count = len(self.data.getlist(name))
            if count > 1:
                self.add_error(name, forms.ValidationError(repeated_message(count), "repeated"))
        return cleaned_data
