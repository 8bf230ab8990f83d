"""``manage.py load_demo``: a small catalog and a staff user to try the API with.

Running it again updates the same rows instead of adding new ones. The admin's
password is new at each run (or DEMO_ADMIN_PASSWORD) and printed.
"""

import os
import secrets
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from django_shopcore.catalog.models import Category, Product, ProductImage
from django_shopcore.contrib.demo.placeholders import ensure_placeholders

ADMIN_USERNAME = "admin"

# (name, parent name or None, description); parents come before their children.
CATEGORIES = [
    ("Electronics", None, "Gadgets, computers and everything with a battery."),
    ("Computers", "Electronics", "Laptops, desktops and accessories."),
    ("Laptops", "Computers", "Portable computers for work and play."),
    ("Phones", "Electronics", "Smartphones and their accessories."),
    ("Audio", "Electronics", "Headphones, speakers and turntables."),
    ("Books", None, "Paper and ink, for reading away from screens."),
    ("Programming", "Books", "Books about writing software."),
    ("Fiction", "Books", "Novels and short stories."),
    ("Home & Kitchen", None, "Things for the house."),
    ("Coffee", "Home & Kitchen", "Grinders, brewers and beans."),
    ("Outdoors", None, "Gear for hiking and camping."),
]

# (name, category name, price, stock, description)
PRODUCTS = [
    ("Aurora 14 Ultrabook", "Laptops", "1299.00", 12, "14-inch laptop, 16 GB RAM, 1 TB SSD."),
    ("Nimbus 16 Pro", "Laptops", "2199.00", 4, "16-inch workstation with a discrete GPU."),
    ("Pocket 11 Chromebook", "Laptops", "329.99", 0, "Light 11-inch laptop for school."),
    ("Mechanical Keyboard TKL", "Computers", "119.00", 35, "Tenkeyless, hot-swappable switches."),
    ("27-inch 4K Monitor", "Computers", "429.50", 9, "IPS panel, USB-C with 90 W charging."),
    ("Wireless Ergonomic Mouse", "Computers", "59.90", 60, "Vertical grip, three devices."),
    ("USB-C Docking Station", "Computers", "189.00", 17, "Two displays, Ethernet, SD card."),
    ("Pixelia 8 Smartphone", "Phones", "699.00", 22, "6.2-inch OLED, 128 GB."),
    ("Pixelia 8 Pro", "Phones", "999.00", 8, "6.7-inch OLED, 256 GB, telephoto lens."),
    ("Clear Phone Case", "Phones", "14.99", 140, "Shock-absorbing corners."),
    ("65 W GaN Charger", "Phones", "39.00", 75, "Two USB-C ports, foldable plug."),
    ("Studio Headphones", "Audio", "149.00", 26, "Closed-back, 50 mm drivers."),
    ("Noise-Cancelling Earbuds", "Audio", "179.00", 31, "Active noise cancelling, 8 h battery."),
    ("Bookshelf Speakers", "Audio", "249.00", 6, "Powered pair with Bluetooth and phono input."),
    ("Belt-Drive Turntable", "Audio", "319.00", 0, "Two speeds, built-in preamp."),
    ("Two Scoops of Django", "Programming", "49.95", 18, "Best practices for Django projects."),
    ("Fluent Python", "Programming", "59.99", 24, "Clear, concise and effective Python."),
    ("Designing Data-Intensive Applications", "Programming", "54.00", 15, "Reliable systems."),
    ("The Pragmatic Programmer", "Programming", "44.50", 20, "Your journey to mastery."),
    ("PostgreSQL Up and Running", "Programming", "39.99", 7, "A practical guide to PostgreSQL."),
    ("The Left Hand of Darkness", "Fiction", "16.00", 11, "Ursula K. Le Guin's classic."),
    ("Dune", "Fiction", "18.99", 30, "Desert planet, spice and politics."),
    ("The Remains of the Day", "Fiction", "15.00", 0, "A butler looks back on his life."),
    ("Burr Coffee Grinder", "Coffee", "129.00", 14, "Conical steel burrs, 40 grind settings."),
    ("Pour-Over Kettle", "Coffee", "69.00", 19, "Gooseneck spout, temperature control."),
    ("Espresso Machine", "Coffee", "549.00", 3, "15 bar pump, steam wand."),
    ("Single-Origin Beans 1 kg", "Coffee", "32.00", 50, "Washed Ethiopian, light roast."),
    ("Chef's Knife 20 cm", "Home & Kitchen", "89.00", 21, "Stainless steel, full tang."),
    ("Two-Person Tent", "Outdoors", "229.00", 8, "Freestanding, 1.9 kg."),
    ("Down Sleeping Bag", "Outdoors", "279.00", 5, "Comfort rating -5 °C."),
    ("Trekking Poles", "Outdoors", "74.95", 27, "Carbon, foldable, cork grips."),
]


class Command(BaseCommand):
    help = "Load a small demo catalog and a staff user 'admin' (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--images",
            action="store_true",
            help="Give each demo product without images a generated placeholder image "
            "(a few shared files, saved through the storage of the image field).",
        )

    @transaction.atomic
    def handle(self, *args, **options):
        categories = self.load_categories()
        products = self.load_products(categories)
        if options["images"]:
            self.attach_images(products)
        password = os.environ.get("DEMO_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        self.set_admin(password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo catalog: {len(CATEGORIES)} categories, {len(PRODUCTS)} products.\n"
                f"Demo admin: username={ADMIN_USERNAME} password={password}"
            )
        )

    def load_categories(self):
        categories = {}
        for name, parent_name, description in CATEGORIES:
            categories[name], _ = Category.objects.update_or_create(
                name=name,
                defaults={"description": description, "parent": categories.get(parent_name)},
            )
        return categories

    def load_products(self, categories):
        products = []
        for name, category_name, price, stock, description in PRODUCTS:
            product, _ = Product.objects.update_or_create(
                name=name,
                defaults={
                    "category": categories[category_name],
                    "price": Decimal(price),
                    "stock": stock,
                    "description": description,
                    "is_active": True,
                },
            )
            products.append(product)
        return products

    def attach_images(self, products):
        placeholders = ensure_placeholders()
        for number, product in enumerate(products):
            if product.images.exists():
                continue
            placeholder = placeholders[number % len(placeholders)]
            # Sizes given: the file need not be opened again to read them.
            ProductImage.objects.create(
                product=product,
                image=placeholder.name,
                alt=product.name,
                width=placeholder.width,
                height=placeholder.height,
            )

    def set_admin(self, password):
        user_model = get_user_model()
        admin, _ = user_model.objects.get_or_create(**{user_model.USERNAME_FIELD: ADMIN_USERNAME})
        admin.is_staff = True
        admin.is_superuser = True
        admin.set_password(password)
        admin.save()
