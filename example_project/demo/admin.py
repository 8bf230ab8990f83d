"""The example project's admin: users through shopcore's hardened UserAdmin."""

from django.contrib import admin
from django.contrib.auth import get_user_model

from django_shopcore.accounts.admin import ShopcoreUserAdmin

User = get_user_model()

# Staff with the change_user permission cannot make themselves superusers.
admin.site.unregister(User)
admin.site.register(User, ShopcoreUserAdmin)
