"""factory_boy factories shared by the test modules."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from django_shopcore.catalog.models import Category, Product, ProductVariant
from django_shopcore.catalog.variants import refresh_product_totals, save_options

DEFAULT_PASSWORD = "Correct-Horse-Battery-9"


User = get_user_model()


class UserFactory(factory.django.DjangoModelFactory):
    """A user of whatever AUTH_USER_MODEL is, with ``DEFAULT_PASSWORD``."""

    class Meta:
        model = User
        django_get_or_create = ()

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    # The e-mail user model of tests.settings_custom_user has no username.
    if User.USERNAME_FIELD == "username":
        username = factory.Sequence(lambda n: f"user{n}")
    # Hashed before the one INSERT.
    password = factory.django.Password(DEFAULT_PASSWORD)


class AdminFactory(UserFactory):
    is_staff = True


class SuperuserFactory(AdminFactory):
    is_superuser = True


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    description = factory.Faker("sentence")
    parent = None


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    category = factory.SubFactory(CategoryFactory)
    price = Decimal("19.99")
    description = factory.Faker("paragraph")
    stock = 10
    is_active = True


class VariantFactory(factory.django.DjangoModelFactory):
    """A further variant of a product (every product already has its default one).

    Written as the API writes: its option rows and the product's totals follow.
    """

    class Meta:
        model = ProductVariant
        skip_postgeneration_save = True

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n}")
    options = factory.Sequence(lambda n: {"edition": f"e{n}"})
    price = Decimal("19.99")
    stock = 10
    is_active = True

    @factory.post_generation
    def derived_rows(variant, create, extracted, **kwargs):
        if create:
            save_options(variant)
            refresh_product_totals([variant.product_id])
