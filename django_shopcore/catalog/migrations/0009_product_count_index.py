"""A category list's count from an index alone: (category, is_active, price), with ``id``
included (PostgreSQL; elsewhere the index has the three columns only)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("shopcore_catalog", "0008_gin_pending_list_limit"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="product",
            index=models.Index(
                fields=["category", "is_active", "price"],
                include=("id",),
                name="shopcore_product_cat_count",
            ),
        ),
    ]
