"""The whole API: ``path("api/", include("django_shopcore.urls"))``.

It mounts the parts whose apps are installed, each under its own namespace:
``shopcore_catalog`` (``django_shopcore.catalog.urls``), ``shopcore_auth``
(``django_shopcore.accounts.urls``), ``shopcore_carts`` (``django_shopcore.carts.urls``),
``shopcore_orders`` (``django_shopcore.orders.urls``) and ``shopcore_docs``
(``django_shopcore.openapi.urls``). Each can also be mounted on its own.
"""

from django.apps import apps
from django.urls import include, path

# (app that must be installed, its URLconf); the docs need only the base app.
PARTS = [
    ("django_shopcore.catalog", "django_shopcore.catalog.urls"),
    ("django_shopcore.accounts", "django_shopcore.accounts.urls"),
    ("django_shopcore.carts", "django_shopcore.carts.urls"),
    ("django_shopcore.orders", "django_shopcore.orders.urls"),
    ("django_shopcore", "django_shopcore.openapi.urls"),
]

urlpatterns = [path("", include(urlconf)) for app, urlconf in PARTS if apps.is_installed(app)]
