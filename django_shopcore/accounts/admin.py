"""A Django admin for users that staff cannot use to make themselves superusers.

Nothing is registered here: a host registers :class:`ShopcoreUserAdmin` for
``auth.User``, or adds :class:`StaffSafeUserAdminMixin` to its own user admin::

    admin.site.unregister(User)
    admin.site.register(User, ShopcoreUserAdmin)
"""

from typing import TYPE_CHECKING, Any

from django.contrib.auth.admin import UserAdmin

from .privileges import may_manage

# Type checkers see the ModelAdmin the mixin is combined with; at run time it is a plain mixin.
if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

    _AdminBase = ModelAdmin[Any]
else:
    _AdminBase = object


class StaffSafeUserAdminMixin(_AdminBase):
    """For a user ModelAdmin: what staff holding ``change_user`` may not do.

    Without a superuser's rights, the privilege fields are read-only (so no
    one grants themselves ``is_superuser``, a group or a permission), and
    another staff account can be viewed but not changed, deleted or given a
    new password (the same rule as the API's ``users/``).
    """

    # Shown read-only to anyone but a superuser.
    privilege_fields = ("is_superuser", "is_staff", "groups", "user_permissions")

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return readonly
        model_fields = {field.name for field in self.model._meta.get_fields()}
        extra = [name for name in self.privilege_fields if name in model_fields]
        return readonly + tuple(name for name in extra if name not in readonly)

    def has_change_permission(self, request, obj=None):
        if obj is not None and not may_manage(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not may_manage(request.user, obj):
            return False
        return super().has_delete_permission(request, obj)


class ShopcoreUserAdmin(StaffSafeUserAdminMixin, UserAdmin):
    """Django's ``UserAdmin`` for ``auth.User``, hardened by :class:`StaffSafeUserAdminMixin`."""
