"""Catalog serializer fields: the product's category summary."""

import pytest

from django_shopcore.catalog.serializers import ProductSerializer
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def test_category_choices_are_keyed_by_id_not_by_the_summary():
    # The browsable API's product form lists categories through get_choices().
    lamps, desks = CategoryFactory(name="Lamps"), CategoryFactory(name="Desks")
    field = ProductSerializer().fields["category"]

    assert field.get_choices() == {lamps.pk: str(lamps), desks.pk: str(desks)}


def test_category_choices_stop_at_the_cutoff():
    CategoryFactory.create_batch(3)
    field = ProductSerializer().fields["category"]

    assert len(field.get_choices(cutoff=2)) == 2
