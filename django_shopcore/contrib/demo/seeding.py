"""A deterministic, streaming generator of large demo catalogs (``shopcore_seed``).

The same seed always yields the same vocabulary, category tree and products.
Products are produced one row at a time and written in batches (``COPY`` on
PostgreSQL), so memory stays flat whatever the catalog size; then each gets
its default variant in one ``INSERT ... SELECT``.

Past 400 lines, as one pipeline (vocabulary, tree, rows, bulk writes) whose
parts change together; a third of it is the word list and the COPY plumbing.
"""

import bisect
import itertools
import math
import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple, cast

from django.db import connections, models, transaction
from django.db.models import Field
from django.utils.text import slugify

from django_shopcore.catalog.cache import invalidate
from django_shopcore.catalog.facet_index import rebuild_facets
from django_shopcore.catalog.models import (
    PATH_SEPARATOR,
    Category,
    Product,
    ProductImage,
    ProductVariant,
    VariantOption,
)
from django_shopcore.catalog.variants import create_default_variants

# Real words, roughly most common first, so the head of the Zipf curve reads
# like English and search benchmarks can pick real words at any frequency.
# None contains "q" or "x", and neither do the pseudo-word syllables, so
# NO_HIT_WORD cannot occur anywhere, not even as a substring.
REAL_WORDS_TEXT = """
the and with for this your from that all new one our set two pack size
black white light steel small large classic home design wood color made style
premium blue natural green power water table kitchen modern high garden
soft travel cotton metal glass outdoor portable leather silver simple storage
compact durable comfort perfect case red brown grey gold fresh handmade
elegant medium round square extra long short wide clear dark bright warm cool
matte wireless electric digital manual automatic adjustable foldable
reusable rechargeable indoor office sport bath chair lamp shelf bag bottle
cup mug plate bowl knife spoon fork pan pot kettle towel pillow blanket
sheet curtain rug mirror clock frame basket jar lid brush comb soap candle
vase tool drill hammer saw wrench screw cable charger battery speaker
headphones keyboard mouse monitor camera phone tablet laptop cover stand
holder mount strap belt wallet watch ring necklace bracelet shirt jacket
coat dress skirt pants shorts socks shoes boots hat scarf gloves toy game
puzzle book notebook pen pencil marker paint canvas ball bike helmet tent
backpack organic vintage rustic sturdy stylish cozy gentle smart flexible
robust lightweight stainless ceramic bamboo rubber silk wool linen velvet
marble granite copper brass iron oak walnut maple pine cedar birch cherry
lemon orange mint lavender vanilla honey coffee cocoa ginger garlic pepper
olive tomato berry apple mango banana coconut almond peanut hazelnut cashew
summer winter spring autumn morning evening holiday weekend family friends
children baby kids adult pet dog cat bird fish horse lawn patio balcony
window door floor wall ceiling roof stairs hallway bedroom kitchenette
cabinet drawer wardrobe mattress sofa bench stool desk couch ottoman
hammock umbrella lantern flashlight compass binoculars telescope
microscope calculator printer scanner projector router modem adapter
thermostat humidifier purifier heater blender toaster grinder mixer juicer
steamer cooker roaster smoker grill skillet griddle wok colander grater
peeler ladle whisk spatula tongs strainer funnel thermometer timer scale
"""
REAL_WORDS = REAL_WORDS_TEXT.split()
NO_HIT_WORD = "quixotic"

# fmt: off
ONSETS = [
    "b", "br", "c", "ch", "d", "dr", "f", "fl", "g", "gr", "h", "j", "k", "l",
    "m", "n", "p", "pl", "pr", "r", "s", "sh", "st", "t", "tr", "v", "w", "z",
]
# fmt: on
VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou", "ia"]
CODAS = ["", "", "", "n", "r", "l", "s", "m", "nd", "rt", "st", "nt"]

VOCABULARY_SIZE = 12_000
# Zipf's law: the word of rank r has a frequency proportional to 1 / r**s.
WORD_ZIPF_EXPONENT = 1.0
CATEGORY_ZIPF_EXPONENT = 1.0
# Product names and descriptions are windows onto long Zipf-sampled word
# streams: one random offset per text instead of one random draw per word.
WORD_STREAM_SIZE = 1 << 20
# Names skip the most common words ("the", "and", ...), as real names do.
NAME_SKIPPED_RANKS = 40
NAME_WORDS = (2, 4)
DESCRIPTION_WORDS = (12, 48)

MIN_PRICE_CENTS, MAX_PRICE_CENTS = 50, 200_000
OUT_OF_STOCK_RATE = 0.15
INACTIVE_RATE = 0.03
CREATION_SPAN = timedelta(days=3 * 365)
# Creation dates follow product ids, each shifted by up to this much either way.
CREATION_JITTER_SECONDS = 3 * 24 * 3600

# The columns written for each product, in ProductRow's order. Listing them
# explicitly keeps COPY working when migrations add generated columns.
PRODUCT_FIELDS = (
    "name",
    "slug",
    "category",
    "price",
    "description",
    "stock",
    "is_active",
    "created_at",
    "updated_at",
)


class ProductRow(NamedTuple):
    name: str
    slug: str
    category_id: int
    price: str
    description: str
    stock: int
    is_active: bool
    created_at: datetime
    updated_at: datetime


def zipf_cumulative_weights(count, exponent):
    return list(itertools.accumulate(1 / rank**exponent for rank in range(1, count + 1)))


class Vocabulary:
    """Real and pronounceable pseudo-words ranked by a Zipf frequency."""

    def __init__(self, seed, size=VOCABULARY_SIZE):
        rng = random.Random(f"vocabulary-{seed}")  # noqa: S311 (reproducible, not secret)
        self.words = self._rank_words(rng, size)
        self.cumulative_weights = zipf_cumulative_weights(size, WORD_ZIPF_EXPONENT)

    @staticmethod
    def _rank_words(rng, size):
        """Pseudo-words everywhere, real words spread evenly over log(rank)."""
        real_words = list(dict.fromkeys(REAL_WORDS))
        ranks: list[str | None] = [None] * size
        for index, word in enumerate(real_words):
            rank = min(int(size ** (index / len(real_words))) - 1, size - 1)
            while ranks[rank] is not None:
                rank += 1
            ranks[rank] = word
        seen = set(real_words)
        for rank in range(size):
            while ranks[rank] is None:
                word = "".join(
                    rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)
                    for _ in range(rng.randint(2, 3))
                )
                if word not in seen:
                    seen.add(word)
                    ranks[rank] = word
        return ranks

    def probability(self, word, skipped_ranks=0):
        """How often ``word`` is drawn, optionally ignoring the most common ranks."""
        rank = self.words.index(word)
        if rank < skipped_ranks:
            return 0.0
        weights = self.cumulative_weights
        offset = weights[skipped_ranks - 1] if skipped_ranks else 0
        previous = weights[rank - 1] if rank else 0
        return (weights[rank] - previous) / (weights[-1] - offset)

    def document_frequency(self, word):
        """The expected share of products whose name or description holds ``word``."""
        description_miss = (1 - self.probability(word)) ** (sum(DESCRIPTION_WORDS) / 2)
        name_miss = (1 - self.probability(word, NAME_SKIPPED_RANKS)) ** (sum(NAME_WORDS) / 2)
        return 1 - description_miss * name_miss

    def search_words(self):
        """Real words for search benchmarks: rare, mid-frequency, common (~25%), no hit."""
        # Long words only, so substring matching (icontains) finds little else.
        candidates = [word for word in REAL_WORDS if len(word) >= 5]

        def closest_to(share):
            return min(
                candidates,
                key=lambda word: abs(math.log(self.document_frequency(word) / share)),
            )

        return {
            "rare": closest_to(0.0002),
            "mid": closest_to(0.01),
            "common": closest_to(0.25),
            "none": NO_HIT_WORD,
        }

    def stream(self, rng, length, skipped_ranks=0):
        """``length`` Zipf-distributed words, then the first few again so windows wrap."""
        offset = self.cumulative_weights[skipped_ranks - 1] if skipped_ranks else 0
        words = rng.choices(
            self.words[skipped_ranks:],
            cum_weights=[weight - offset for weight in self.cumulative_weights[skipped_ranks:]],
            k=length,
        )
        return words + words[: DESCRIPTION_WORDS[1]]


class CategorySpec(NamedTuple):
    name: str
    description: str
    parent_index: int | None


def category_specs(vocabulary, rng, count):
    """``count`` categories three levels deep: ~n^(1/3) roots, ~n^(2/3) children."""
    roots = max(1, round(count ** (1 / 3)))
    children = min(count - roots, roots * roots)
    grandchildren = count - roots - children
    parents = [None] * roots
    parents += [rng.randrange(roots) for _ in range(children)]
    parents += [roots + rng.randrange(children) for _ in range(grandchildren)]
    used_names: set[str] = set()
    specs = []
    for parent_index in parents:
        name = _unique_category_name(vocabulary, rng, used_names)
        description = " ".join(rng.choices(vocabulary.words[:2000], k=12)).capitalize() + "."
        specs.append(CategorySpec(name, description, parent_index))
    return specs


def _unique_category_name(vocabulary, rng, used_names):
    # Mid-ranked words: common enough to look familiar, varied enough to be unique.
    while True:
        name = " ".join(rng.sample(vocabulary.words[20:3000], rng.randint(1, 2))).title()
        if name.lower() not in used_names:
            used_names.add(name.lower())
            return name


def product_rows(vocabulary, rng, count, category_ids, now):
    """Yield ``count`` ProductRows, lazily, spread over categories with Zipf sizes."""
    ranked_categories = list(category_ids)
    rng.shuffle(ranked_categories)
    category_weights = zipf_cumulative_weights(len(ranked_categories), CATEGORY_ZIPF_EXPONENT)
    category_total = category_weights[-1]
    # Small catalogs get shorter streams: overlapping windows do no harm there.
    stream_size = min(WORD_STREAM_SIZE, max(count, 1000) * 8)
    words = vocabulary.stream(rng, stream_size)
    name_words = vocabulary.stream(rng, stream_size, NAME_SKIPPED_RANKS)
    # Shared strings: one title per vocabulary word, not one per stream position.
    title_of = {word: word.title() for word in vocabulary.words}
    titles = [title_of[word] for word in name_words]
    start = now - CREATION_SPAN
    span_seconds = CREATION_SPAN.total_seconds()
    slot_seconds = span_seconds / max(count, 1)
    for number in range(1, count + 1):
        offset = rng.randrange(stream_size)
        name_end = offset + rng.randint(*NAME_WORDS)
        description_offset = rng.randrange(stream_size)
        description = " ".join(
            words[description_offset : description_offset + rng.randint(*DESCRIPTION_WORDS)]
        )
        category = ranked_categories[
            bisect.bisect(category_weights, rng.random() * category_total)
        ]
        jitter = (rng.random() - 0.5) * 2 * CREATION_JITTER_SECONDS
        seconds = min(span_seconds, max(0.0, number * slot_seconds + jitter))
        created_at = start + timedelta(seconds=seconds)
        # Most products are edited soon after creation, a few recently.
        updated_at = created_at + (now - created_at) * rng.random() ** 4
        yield ProductRow(
            name=" ".join(titles[offset:name_end]),
            slug=f"{'-'.join(name_words[offset:name_end])}-{number}",
            category_id=category,
            price=_price(rng),
            description=f"{description[0].upper()}{description[1:]}.",
            stock=_stock(rng),
            is_active=rng.random() >= INACTIVE_RATE,
            created_at=created_at,
            updated_at=updated_at,
        )


def _stock(rng):
    """Out of stock at OUT_OF_STOCK_RATE, otherwise mostly a few dozen units."""
    if rng.random() < OUT_OF_STOCK_RATE:
        return 0
    return min(int(rng.expovariate(1 / 40)) + 1, 5000)


def _price(rng):
    """A log-normal price (median about 25.00), half of them ending in .99."""
    cents = round(rng.lognormvariate(math.log(2500), 1.0))
    if rng.random() < 0.5:
        cents = cents - cents % 100 + 99
    cents = min(MAX_PRICE_CENTS, max(MIN_PRICE_CENTS, cents))
    return f"{cents // 100}.{cents % 100:02d}"


def create_categories(specs, using):
    """Create the categories level by level; return their ids in ``specs`` order.

    Paths are computed as Category.save() computes them: ``/<root id>/.../<id>/``.
    """
    categories = [
        Category(name=spec.name, slug=slugify(spec.name), description=spec.description)
        for spec in specs
    ]
    for category, spec in zip(categories, specs, strict=True):
        if spec.parent_index is not None:
            category.parent = categories[spec.parent_index]
    bulk_inserts_return_ids = connections[using].features.can_return_rows_from_bulk_insert
    for depth in range(3):
        level = [category for category in categories if _depth(category) == depth]
        if not bulk_inserts_return_ids:
            for category in level:
                category.save(using=using)
            continue
        Category.objects.using(using).bulk_create(level)
        for category in level:
            parent_path = category.parent.path if category.parent else PATH_SEPARATOR
            category.path = f"{parent_path}{category.pk}{PATH_SEPARATOR}"
            category.depth = depth
        Category.objects.using(using).bulk_update(level, ["path", "depth"])
    return [category.pk for category in categories]


def _depth(category):
    return 0 if category.parent is None else 1 + _depth(category.parent)


CATALOG_MODELS = (ProductImage, VariantOption, ProductVariant, Product, Category)


def clear_catalog(using):
    """Delete every category and product with its variants and image rows (TRUNCATE on
    PostgreSQL, restarting ids). Stored image files stay: demo catalogs have none.

    Rows of other apps that cascade with the catalog (cart items) go too; rows
    that protect it (order lines) stop the clear, as a delete would. (PostgreSQL
    refuses to TRUNCATE a table that others reference unless those go too, even empty.)
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        tables = ", ".join(
            connection.ops.quote_name(model._meta.db_table)
            for model in (*referencing_models(using), *CATALOG_MODELS)
        )
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY")
        # No signal tells the cache: cached subtrees and responses would outlive the rows.
        invalidate(Category)
        return
    with transaction.atomic(using=using):
        Product.objects.using(using).all().delete()
        # Children first: a parent is PROTECTed while it has children.
        for depth in sorted(
            set(Category.objects.using(using).values_list("depth", flat=True)), reverse=True
        ):
            Category.objects.using(using).filter(depth=depth).delete()


def referencing_models(using):
    """Models outside the catalog that reference it; raises if a protecting one has rows."""
    referencing_models = []
    for model in CATALOG_MODELS:
        for relation in model._meta.related_objects:
            related = relation.related_model
            if related in CATALOG_MODELS or related in referencing_models:
                continue
            referencing_models.append(related)
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
    return referencing_models


def _batches(iterable, size):
    iterator = iter(iterable)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _column_names(connection):
    # Every one of PRODUCT_FIELDS is a concrete field, with a column.
    fields = [cast(Field, Product._meta.get_field(name)) for name in PRODUCT_FIELDS]
    return ", ".join(connection.ops.quote_name(field.column) for field in fields)


class _ChunkReader:
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


def _copy_text(rows):
    # Generated text is made of [A-Za-z .-] only, so nothing needs COPY escaping.
    return "".join(
        f"{row.name}\t{row.slug}\t{row.category_id}\t{row.price}\t{row.description}\t"
        f"{row.stock}\t{'t' if row.is_active else 'f'}\t{row.created_at.isoformat()}\t"
        f"{row.updated_at.isoformat()}\n"
        for row in rows
    ).encode()


def copy_products(rows, connection, batch_size, progress):
    """Stream rows into PostgreSQL with COPY, through psycopg 3 or psycopg2."""
    table = connection.ops.quote_name(Product._meta.db_table)
    sql = f"COPY {table} ({_column_names(connection)}) FROM STDIN"

    def chunks():
        for batch in _batches(rows, batch_size):
            yield _copy_text(batch)
            progress(len(batch))

    # Run the checks still deferred (the categories' parents): PostgreSQL
    # refuses to alter tables with pending trigger events.
    connection.check_constraints()
    with connection.cursor() as cursor:
        restore_statements = _drop_indexes_and_constraints(cursor, Product._meta.db_table)
        driver_cursor = cursor.cursor
        if hasattr(driver_cursor, "copy_expert"):
            driver_cursor.copy_expert(sql, _ChunkReader(chunks()), size=1 << 16)
        else:
            with driver_cursor.copy(sql) as copy:
                for chunk in chunks():
                    copy.write(chunk)
        # Building an index once, sorted, is far cheaper than updating it row by
        # row (several times over for GIN indexes), and one anti-join validates
        # a foreign key faster than a trigger per row. The memory speeds builds.
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        for statement in restore_statements:
            cursor.execute(statement)


def _drop_indexes_and_constraints(cursor, table):
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


def insert_products(rows, connection, batch_size, progress):
    """Insert rows with executemany() in batches, on any database.

    Not bulk_create(): it would overwrite created_at (auto_now_add) with now.
    """
    table = connection.ops.quote_name(Product._meta.db_table)
    fields = [Product._meta.get_field(name) for name in PRODUCT_FIELDS]
    placeholders = ", ".join(["%s"] * len(fields))
    # Only quoted identifiers are interpolated; the values are parameters.
    sql = f"INSERT INTO {table} ({_column_names(connection)}) VALUES ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        for batch in _batches(rows, batch_size):
            cursor.executemany(sql, [_prepared_values(row, fields, connection) for row in batch])
            progress(len(batch))


def _prepared_values(row, fields, connection):
    values = row._replace(price=Decimal(row.price))
    return [
        field.get_db_prep_save(value, connection)
        for field, value in zip(fields, values, strict=True)
    ]


def seed_catalog(
    *, products, categories, seed, now, batch_size=10_000, using="default", progress=None
):
    """Generate and write a whole catalog into an empty database; return the category ids."""
    progress = progress or (lambda rows: None)
    connection = connections[using]
    vocabulary = Vocabulary(seed)
    rng = random.Random(seed)  # noqa: S311 (reproducible, not secret)
    with transaction.atomic(using=using):
        category_ids = create_categories(category_specs(vocabulary, rng, categories), using)
        rows = product_rows(vocabulary, rng, products, category_ids, now)
        write = copy_products if connection.vendor == "postgresql" else insert_products
        write(rows, connection, batch_size, progress)
        write_default_variants(connection)
    if connection.vendor == "postgresql":
        analyze(connection)
    rebuild_facets(using)  # Bulk writes bypass the facet index's maintenance.
    # Bulk writes send no signals: cached reads of the old catalog must go.
    invalidate(Category)
    return category_ids


def write_default_variants(connection):
    """One default variant per product; on PostgreSQL with the indexes built afterwards."""
    if connection.vendor != "postgresql":
        create_default_variants(connection.alias)
        return
    with connection.cursor() as cursor:
        restore_statements = _drop_indexes_and_constraints(cursor, ProductVariant._meta.db_table)
        create_default_variants(connection.alias)
        for statement in restore_statements:
            cursor.execute(statement)


def analyze(connection):
    """Fresh planner statistics, and outside a transaction a visibility map too.

    VACUUM leaves the tables as autovacuum eventually would, so plans (and
    index-only scans) do not depend on when it last ran.
    """
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for model in (Category, Product, ProductVariant):
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
