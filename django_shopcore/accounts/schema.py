"""drf-spectacular extensions for the accounts' fields."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension

from ..core.settings import shopcore_settings


class PasswordFieldExtension(OpenApiSerializerFieldExtension):
    """A password's ``maxLength``: ``PASSWORD_MAX_LENGTH``, which the field enforces itself."""

    target_class = "django_shopcore.accounts.serializers.PasswordField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        # Private, as drf-spectacular's own docs have field extensions call it:
        # the field's default schema, which has no public accessor.
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        return {**schema, "maxLength": shopcore_settings.PASSWORD_MAX_LENGTH}
