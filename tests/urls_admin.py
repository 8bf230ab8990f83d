"""An admin site with shopcore's hardened user admin, for tests/accounts/test_privileges.py."""

from django.contrib.admin import AdminSite
from django.contrib.auth import get_user_model
from django.urls import path

from django_shopcore.accounts.admin import ShopcoreUserAdmin

site = AdminSite(name="hardened_admin")
site.register(get_user_model(), ShopcoreUserAdmin)

urlpatterns = [path("admin/", site.urls)]
