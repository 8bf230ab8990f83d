"""Account routes: ``auth/...`` and the admin-only ``users/``."""

app_name = "shopcore_auth"

urlpatterns = []
