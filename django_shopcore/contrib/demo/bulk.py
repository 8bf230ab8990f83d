"""Bulk writes of generated catalogs: COPY on PostgreSQL, batched inserts elsewhere, emptying.

On PostgreSQL the catalog tables are truncated in the load's transaction, so
that ``COPY ... FREEZE`` writes rows already frozen and visible (no hint-bit
rewrite by the index builds, no VACUUM pass); their foreign keys, unique
constraints and plain indexes are dropped first and rebuilt after the load
(one sorted build each), which also re-checks every row.
"""

import contextlib
import functools
import itertools
import json
import tempfile
from typing import cast

from django.core.management.color import no_style
from django.db import models
from django.db.models import Field

from django_shopcore.catalog.models import (
    Category,
    Product,
    ProductImage,
    ProductVariant,
    VariantOption,
)

# Every generated row's columns, in the order of the rows' fields.
PRODUCT_COLUMNS = (
    "id",
    "name",
    "slug",
    "category_id",
    "price",
    "description",
    "stock",
    "is_active",
    "created_at",
    "updated_at",
)
VARIANT_COLUMNS = (
    "id",
    "product_id",
    "sku",
    "options",
    "price",
    "stock",
    "is_active",
    "created_at",
    "updated_at",
)
OPTION_COLUMNS = ("variant_id", "name", "value")
IMAGE_COLUMNS = (
    "product_id",
    "image",
    "alt",
    "position",
    "width",
    "height",
    "created_at",
    "updated_at",
)
# The tables each generated product writes to, with their columns.
TABLES = (
    (Product, PRODUCT_COLUMNS),
    (ProductVariant, VARIANT_COLUMNS),
    (VariantOption, OPTION_COLUMNS),
    (ProductImage, IMAGE_COLUMNS),
)
CATALOG_MODELS = (ProductImage, VariantOption, ProductVariant, Product, Category)
SPOOL_CHUNK = 1 << 20


def batches(iterable, size):
    iterator = iter(iterable)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def empty_catalog(connection):
    """Delete every category and product with its variants and image rows.

    Rows of other apps that cascade with the catalog (cart items) go too; rows
    that protect it (order lines) stop it, as a delete would. On PostgreSQL a
    TRUNCATE restarting the ids (which refuses a table that others reference
    unless those go too, even empty). Stored image files stay: a demo
    catalog's placeholders are shared files, reused by the next one.
    """
    using = connection.alias
    if connection.vendor == "postgresql":
        tables = ", ".join(
            connection.ops.quote_name(model._meta.db_table)
            for model in (*referencing_models(using), *CATALOG_MODELS)
        )
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY")
        return
    Product.objects.using(using).all().delete()
    # Children first: a parent is PROTECTed while it has children.
    for depth in sorted(
        set(Category.objects.using(using).values_list("depth", flat=True)), reverse=True
    ):
        Category.objects.using(using).filter(depth=depth).delete()


def referencing_models(using):
    """Models outside the catalog that reference it; raises if a protecting one has rows."""
    found = []
    for model in CATALOG_MODELS:
        for relation in model._meta.related_objects:
            related = relation.related_model
            if related in CATALOG_MODELS or related in found:
                continue
            found.append(related)
            if relation.on_delete is models.CASCADE:
                continue
            referencing = related._default_manager.using(using).filter(
                **{f"{relation.field.name}__isnull": False}
            )
            if referencing.exists():
                raise models.ProtectedError(
                    f"{related._meta.verbose_name_plural} still reference the catalog.",
                    set(referencing[:10]),
                )
    return found


def reset_sequences(connection):
    """Point the id sequences past the explicit ids the rows were written with."""
    statements = connection.ops.sequence_reset_sql(no_style(), [model for model, _ in TABLES])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def quoted_table_and_columns(connection, model, names):
    """``"table" ("column", ...)`` for fields named by name or attname."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(cast(Field, model._meta.get_field(name)).column) for name in names)
    return f"{quote(model._meta.db_table)} ({columns})"


# --- PostgreSQL: COPY ----------------------------------------------------------


# The schemes make a few hundred distinct option sets: each one's JSON is made once.
@functools.cache
def options_json(options):
    return json.dumps(dict(options))


def copy_text(generated):
    """COPY text of a batch: products, variants, {(name, value): option rows}, images.

    Generated text is made of [A-Za-z0-9 .,-] only (and JSON's quotes, braces
    and colons), so nothing needs COPY escaping.
    """
    products, variants, images = [], [], []
    options: dict[tuple[str, str], list[str]] = {}
    for product, product_variants, product_images in generated:
        created_at, updated_at = product.created_at.isoformat(), product.updated_at.isoformat()
        products.append(
            f"{product.id}\t{product.name}\t{product.slug}\t{product.category_id}\t"
            f"{product.price}\t{product.description}\t{product.stock}\t"
            f"{'t' if product.is_active else 'f'}\t{created_at}\t{updated_at}\n"
        )
        for variant in product_variants:
            variants.append(
                f"{variant.id}\t{variant.product_id}\t{variant.sku}\t"
                f"{options_json(variant.options)}\t{variant.price}\t{variant.stock}\t"
                f"{'t' if variant.is_active else 'f'}\t{created_at}\t{updated_at}\n"
            )
            for pair in variant.options:
                options.setdefault(pair, []).append(f"{variant.id}\t{pair[0]}\t{pair[1]}\n")
        for image in product_images:
            images.append(
                f"{image.product_id}\t{image.image}\t{image.alt}\t{image.position}\t"
                f"{image.width}\t{image.height}\t{created_at}\t{updated_at}\n"
            )
    return (
        "".join(products).encode(),
        "".join(variants).encode(),
        {pair: "".join(lines).encode() for pair, lines in options.items()},
        "".join(images).encode(),
    )


class Spools:
    """Temporary files of COPY text, one per key, read back in a chosen key order."""

    def __init__(self, stack):
        self.stack, self.files = stack, {}

    def write(self, key, data):
        if key not in self.files:
            # Closed by the ExitStack, or once read.
            self.files[key] = self.stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115
        self.files[key].write(data)

    def chunks(self, keys):
        for key in keys:
            if key in self.files:
                file = self.files.pop(key)
                file.seek(0)
                yield from iter(functools.partial(file.read, SPOOL_CHUNK), b"")
                file.close()


def copy_catalog(generated, connection, batch_size, progress, freeze):
    """Stream the products into PostgreSQL with COPY while spooling the other tables' rows
    to temporary files, then COPY those: one pass of generation, memory flat.

    Option rows are spooled per (name, value) and copied in that order: the
    table is then in the order of its (name, value, variant) lookup index,
    whose build finds its input already sorted instead of sorting millions of
    text keys. ``freeze``: the tables were truncated in this transaction
    (COPY FREEZE).
    """
    # Run the checks still deferred (the categories' parents): PostgreSQL
    # refuses to alter tables with pending trigger events.
    connection.check_constraints()
    variant_table, option_table, image_table = TABLES[1:]
    with contextlib.ExitStack() as stack, connection.cursor() as cursor:
        spools, option_spools = Spools(stack), Spools(stack)
        restore_statements = [
            statement
            for model, _columns in TABLES
            for statement in drop_indexes_and_constraints(cursor, model._meta.db_table)
        ]

        def product_chunks():
            for batch in batches(generated, batch_size):
                product_text, variant_text, option_texts, image_text = copy_text(batch)
                spools.write(variant_table, variant_text)
                spools.write(image_table, image_text)
                for pair, text in option_texts.items():
                    option_spools.write(pair, text)
                yield product_text
                progress(len(batch))

        copy(cursor, TABLES[0], product_chunks(), freeze)
        copy(cursor, variant_table, spools.chunks([variant_table]), freeze)
        copy(cursor, option_table, option_spools.chunks(sorted(option_spools.files)), freeze)
        copy(cursor, image_table, spools.chunks([image_table]), freeze)
        # Building an index once, sorted, is far cheaper than updating it row by
        # row (several times over for GIN indexes), and one anti-join validates
        # a foreign key faster than a trigger per row. The memory speeds builds.
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        for statement in restore_statements:
            cursor.execute(statement)


def copy(cursor, table, chunks, freeze):
    """COPY byte chunks into one table, through psycopg 3 or psycopg2."""
    model, columns = table
    sql = (
        f"COPY {quoted_table_and_columns(cursor.db, model, columns)} FROM STDIN"
        f"{' WITH (FREEZE)' if freeze else ''}"
    )
    driver_cursor = cursor.cursor
    if hasattr(driver_cursor, "copy_expert"):
        driver_cursor.copy_expert(sql, ChunkReader(chunks), size=1 << 16)
    else:
        with driver_cursor.copy(sql) as copy:
            for chunk in chunks:
                copy.write(chunk)


class ChunkReader:
    """A read()-able file over an iterator of byte chunks, for psycopg2's copy_expert()."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._buffer = b""
        self._position = 0

    def read(self, size=-1):
        while self._position >= len(self._buffer):
            chunk = next(self._chunks, None)
            self._position = 0
            if chunk is None:
                self._buffer = b""
                return b""
            self._buffer = chunk
        end = len(self._buffer) if size < 0 else self._position + size
        data = self._buffer[self._position : end]
        self._position += len(data)
        return data


def drop_indexes_and_constraints(cursor, table):
    """Drop the table's foreign keys, unique constraints and plain indexes.

    Returns the statements that recreate them, which also re-check every row.
    The primary key stays. Must run in a transaction: a failed load then
    restores everything.
    """
    # Unique constraints first when restoring; those that a foreign key of
    # another table depends on stay in place.
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint AS own "
        "WHERE conrelid = %s::regclass AND contype IN ('u', 'f') "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint AS other WHERE own.contype = 'u' "
        "AND other.contype = 'f' AND other.confrelid = own.conrelid "
        "AND other.conindid = own.conindid) "
        "ORDER BY contype DESC, conname",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
        "WHERE indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = indexrelid)",
        [table],
    )
    indexes = cursor.fetchall()
    quoted_table = cursor.db.ops.quote_name(table)
    for name, _definition in constraints:
        constraint = cursor.db.ops.quote_name(name)
        cursor.execute(f"ALTER TABLE {quoted_table} DROP CONSTRAINT {constraint}")
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in indexes] + [
        f"ALTER TABLE {quoted_table} ADD CONSTRAINT {cursor.db.ops.quote_name(name)} {definition}"
        for name, definition in constraints
    ]


# --- Other databases: batched executemany() ---------------------------------------


def insert_catalog(generated, connection, batch_size, progress):
    """Insert the rows with executemany() in batches, on any database.

    Not bulk_create(): it would overwrite created_at (auto_now_add) with now.
    """
    statements = [insert_statement(connection, model, columns) for model, columns in TABLES]
    with connection.cursor() as cursor:
        for batch in batches(generated, batch_size):
            for statement, rows in zip(statements, prepared_rows(batch, connection), strict=True):
                if rows:
                    cursor.executemany(statement, rows)
            progress(len(batch))


def insert_statement(connection, model, columns):
    placeholders = ", ".join(["%s"] * len(columns))
    # Only quoted identifiers are interpolated; the values are parameters.
    table = quoted_table_and_columns(connection, model, columns)
    return f"INSERT INTO {table} VALUES ({placeholders})"  # noqa: S608


def prepared_rows(generated, connection):
    """Each table's rows as database values, prepared by the models' fields."""
    # Every column is a concrete field's.
    prepare = {
        model: [cast(Field, model._meta.get_field(column)).get_db_prep_save for column in columns]
        for model, columns in TABLES
    }
    products, variants, options, images = [], [], [], []
    for product, product_variants, product_images in generated:
        dates = (product.created_at, product.updated_at)
        products.append(prepare_values(prepare[Product], product, connection))
        for variant in product_variants:
            values = (*variant._replace(options=dict(variant.options)), *dates)
            variants.append(prepare_values(prepare[ProductVariant], values, connection))
            options += [(variant.id, name, value) for name, value in variant.options]
        images += [
            prepare_values(prepare[ProductImage], (*image, *dates), connection)
            for image in product_images
        ]
    return products, variants, options, images


def prepare_values(preparers, values, connection):
    return [prepare(value, connection) for prepare, value in zip(preparers, values, strict=True)]
