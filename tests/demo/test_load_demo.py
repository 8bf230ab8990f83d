"""The example project's ``load_demo --images``, which ``make demo`` runs."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from django_shopcore.catalog.models import Product, ProductImage

EXAMPLE_PROJECT = Path(__file__).resolve().parents[2] / "example_project"


@pytest.fixture
def load_demo(monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.syspath_prepend(str(EXAMPLE_PROJECT))
    from demo.management.commands.load_demo import Command

    return lambda *args: call_command(Command(), *args, stdout=io.StringIO())


@pytest.mark.django_db
def test_every_demo_product_gets_one_placeholder_image_once(load_demo, tmp_path):
    load_demo("--images")
    load_demo("--images")

    assert ProductImage.objects.count() == Product.objects.count() > 0
    for image in ProductImage.objects.all():
        assert (tmp_path / image.image.name).is_file()
        assert image.width > 0 and image.height > 0


@pytest.mark.django_db
def test_without_images_the_demo_has_none(load_demo):
    load_demo()

    assert Product.objects.exists() and not ProductImage.objects.exists()
