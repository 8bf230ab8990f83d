"""Development tooling: ``manage.py shopcore_seed`` generates large demo catalogs."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "django_shopcore.contrib.demo"
    label = "shopcore_demo"
    verbose_name = "Shop demo data"
