"""The whole API: ``path("api/", include("django_shopcore.urls"))``.

It mounts the parts whose apps are installed, each under its own namespace:
``shopcore_catalog`` (``django_shopcore.catalog.urls``), ``shopcore_auth``
(``django_shopcore.accounts.urls``), ``shopcore_carts`` (``django_shopcore.carts.urls``),
``shopcore_orders`` (``django_shopcore.orders.urls``) and ``shopcore_docs``
(``django_shopcore.openapi.urls``). Each can also be mounted on its own.

Last comes a catch-all: any other path under the prefix ending with a slash
is a JSON 404 like DRF's, not the host's (or DEBUG's) HTML page. A host's own
routes under the same prefix must come before this include. Paths without a
trailing slash are left to ``APPEND_SLASH``, which redirects them.
"""

from django.apps import apps
from django.urls import include, path, re_path

from .core.views import not_found

# (app that must be installed, its URLconf); the docs need only the base app.
PARTS = [
    ("django_shopcore.catalog", "django_shopcore.catalog.urls"),
    ("django_shopcore.accounts", "django_shopcore.accounts.urls"),
    ("django_shopcore.carts", "django_shopcore.carts.urls"),
    ("django_shopcore.orders", "django_shopcore.orders.urls"),
    ("django_shopcore", "django_shopcore.openapi.urls"),
]

urlpatterns = [
    *(path("", include(urlconf)) for app, urlconf in PARTS if apps.is_installed(app)),
    re_path(r"^(?:.*/)?$", not_found, name="shopcore_not_found"),
]
