"""``manage.py shopcore_seed``: generate a large, deterministic demo catalog."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from django_shopcore.catalog.models import Category, Product
from django_shopcore.contrib.demo.seeding import seed_catalog
from django_shopcore.contrib.demo.shapes import DEFAULT_SHAPE, SHAPES


class ProgressBar:
    """A one-line progress bar redrawn in place on the command's stderr."""

    width = 40

    def __init__(self, stream, total, label):
        self.stream, self.total, self.label = stream, total, label
        self.done = 0
        self.started = time.monotonic()

    def advance(self, rows):
        self.done += rows
        filled = self.width * self.done // max(self.total, 1)
        elapsed = time.monotonic() - self.started
        self.stream.write(
            f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] "
            f"{self.done:,}/{self.total:,} {elapsed:.1f}s",
            ending="",
        )
        if self.done >= self.total:
            self.stream.write("")
        self.stream.flush()


def positive_int(value):
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Generate a demo catalog: categories nested three deep, products with "
        "Zipf-distributed words and their variants (size x colour grids, one option or "
        "none), optionally placeholder images. The same --seed always gives the same data."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--products",
            type=positive_int,
            default=10_000,
            help="How many products to generate (default: %(default)s).",
        )
        parser.add_argument(
            "--categories",
            type=positive_int,
            default=1_000,
            help="How many categories, nested three deep (default: %(default)s).",
        )
        shapes = "; ".join(f"{name}: {shape.help}" for name, shape in SHAPES.items())
        parser.add_argument(
            "--shape",
            choices=sorted(SHAPES),
            default=DEFAULT_SHAPE,
            help=f"How the catalog is laid out ({shapes}) (default: %(default)s).",
        )
        parser.add_argument(
            "--images",
            action="store_true",
            help="Give most products 1-3 images, sharing a few generated placeholder "
            "files saved through the storage of the image field.",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=42,
            help="Random seed: the same seed gives the same catalog (default: %(default)s).",
        )
        parser.add_argument(
            "--batch-size",
            type=positive_int,
            default=10_000,
            help="Products written per batch, bounding memory (default: %(default)s).",
        )
        parser.add_argument(
            "--clear",
            action="store_true",
            help="Delete every product and category first (in the same transaction).",
        )
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="The database to seed (default: %(default)s).",
        )

    def handle(self, *args, **options):
        using = options["database"]
        if options["categories"] < 1 or options["batch_size"] < 1:
            raise CommandError("--categories and --batch-size must be at least 1.")
        if not options["clear"] and (
            Category.objects.using(using).exists() or Product.objects.using(using).exists()
        ):
            raise CommandError("The catalog is not empty; pass --clear to replace it.")
        total = options["products"]
        progress = None
        if options["verbosity"] > 0:
            progress = ProgressBar(self.stderr, total, "Products").advance
        started = time.monotonic()
        seed_catalog(
            products=total,
            categories=options["categories"],
            seed=options["seed"],
            # Midnight keeps the dates identical for every run on the same day.
            now=timezone.now().replace(hour=0, minute=0, second=0, microsecond=0),
            shape=options["shape"],
            images=options["images"],
            clear=options["clear"],
            batch_size=options["batch_size"],
            using=using,
            progress=progress,
        )
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {total:,} products in {options['categories']:,} categories "
                f"({options['shape']} shape) in {elapsed:.1f}s."
            )
        )
