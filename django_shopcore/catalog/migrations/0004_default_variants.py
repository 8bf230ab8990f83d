"""Give every existing product its default variant: SKU from the slug, price and stock copied.

One ``INSERT ... SELECT``: the database copies the rows itself, so a catalog
of a million products migrates in one statement, with no rows through Python.
"""

from django.db import migrations


# A copy of catalog.variants.create_default_variants as it was when written:
# a migration must not change when the application code does.
def create_default_variants(apps, schema_editor):
    Product = apps.get_model("shopcore_catalog", "Product")
    ProductVariant = apps.get_model("shopcore_catalog", "ProductVariant")
    quote = schema_editor.quote_name
    variants, products = ProductVariant._meta.db_table, Product._meta.db_table
    # Identifiers only are interpolated; there are no values.
    schema_editor.execute(
        f"INSERT INTO {quote(variants)} "  # noqa: S608
        "(product_id, sku, options, price, stock, is_active, created_at, updated_at) "
        "SELECT id, slug, '{}', price, stock, TRUE, created_at, updated_at "
        f"FROM {quote(products)} AS product "
        f"WHERE NOT EXISTS (SELECT 1 FROM {quote(variants)} AS variant "
        "WHERE variant.product_id = product.id)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("shopcore_catalog", "0003_productvariant_variantoption"),
    ]

    operations = [
        # Backwards there is nothing to undo: unapplying 0003 drops the table.
        migrations.RunPython(create_default_variants, migrations.RunPython.noop),
    ]
