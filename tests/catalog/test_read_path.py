"""The catalog's read path: what it skips or builds once, and that the output stays the same."""

import datetime
import json
import zoneinfo
from decimal import Decimal

import django_filters
import pytest
from django.core.files.storage import FileSystemStorage
from django.db.models import OuterRef, Subquery
from django.http import QueryDict
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework import serializers
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from django_shopcore.catalog.filter_base import CatalogFilterSet
from django_shopcore.catalog.filters import (
    CatalogFilterBackend,
    ProductFilterSet,
    filters_given,
    parameter_names,
)
from django_shopcore.catalog.images import FirstImageName, ImageUrls, appends_plain_names
from django_shopcore.catalog.models import Product, ProductImage
from django_shopcore.catalog.representations import column_converter, fast_representation
from django_shopcore.catalog.serializers import ProductSerializer
from django_shopcore.catalog.views import CategoryViewSet, ProductViewSet
from django_shopcore.core import serializers as core_serializers

from ..factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

CATEGORIES = "/api/categories/"
PRODUCTS = "/api/products/"


@pytest.fixture
def filterings(monkeypatch):
    """The lists that built and validated shopcore's FilterSet."""
    calls = []
    original = CatalogFilterBackend.valid_filterset

    def counting(self, request, queryset, view):
        calls.append(request.path)
        return original(self, request, queryset, view)

    monkeypatch.setattr(CatalogFilterBackend, "valid_filterset", counting)
    return calls


@pytest.mark.parametrize("url", [PRODUCTS, CATEGORIES])
def test_a_list_without_filter_parameters_skips_the_filterset(api_client, filterings, url):
    ProductFactory.create_batch(3)

    for params in ({}, {"page_size": "2"}, {"page": "2", "page_size": "2"}, {"unknown": "1"}):
        assert api_client.get(url, params).status_code == 200
    assert filterings == []

    assert api_client.get(url, {"ordering": "-created_at"}).status_code == 200
    assert filterings == [url]


def test_the_skipped_filterset_lists_the_same_rows(api_client):
    ProductFactory.create_batch(5)

    plain = api_client.get(PRODUCTS, {"page_size": "2"}).json()
    filtered = api_client.get(PRODUCTS, {"page_size": "2", "search": ""}).json()

    assert plain["results"] == filtered["results"]
    assert plain["count"] == filtered["count"]


def test_bad_filter_values_are_still_400_with_the_shortcut(api_client):
    response = api_client.get(PRODUCTS, {"min_price": "abc"})

    assert response.status_code == 400
    assert "min_price" in response.json()


def list_view(path, backends=None):
    view = ProductViewSet()
    view.request = Request(APIRequestFactory().get(path))
    view.action = "list"
    if backends is not None:
        view.filter_backends = backends
    return view


def test_a_hosts_extra_filter_backend_always_runs():
    assert list_view(PRODUCTS).filters_nothing()
    assert not list_view(f"{PRODUCTS}?in_stock=true").filters_nothing()
    assert not list_view(PRODUCTS, [CatalogFilterBackend, OrderingFilter]).filters_nothing()


def test_a_hosts_filterset_always_runs():
    view = list_view(PRODUCTS)
    view.filterset_class = type("HostFilterSet", (ProductViewSet.filterset_class,), {})

    assert not view.filters_nothing()


def test_admins_and_the_public_each_get_their_own_queryset(api_client, admin_client):
    ProductFactory(is_active=False)
    ProductFactory()

    # Alternating, so that each reuses the queryset built for the other's kind first.
    for _ in range(2):
        assert api_client.get(PRODUCTS).json()["count"] == 1
        assert admin_client.get(PRODUCTS).json()["count"] == 2


def test_admins_and_the_public_see_their_own_variants(api_client, admin_client):
    product = ProductFactory()
    VariantFactory(product=product, is_active=False)

    for _ in range(2):
        public = api_client.get(f"{PRODUCTS}{product.pk}/").json()["variants"]
        admin = admin_client.get(f"{PRODUCTS}{product.pk}/").json()["variants"]
        assert len(admin) == len(public) + 1


def test_the_serializer_path_of_a_detail_still_prefetches(
    api_client, settings, django_assert_num_queries
):
    fast_product = ProductFactory(price=Decimal("5"))
    VariantFactory.create_batch(3, product=fast_product)
    fast = api_client.get(f"{PRODUCTS}{fast_product.pk}/").json()
    # A permission that looks at the object: the view reads an instance, with its relations.
    settings.SHOPCORE = {
        "CATALOG_PERMISSION_CLASSES": ["tests.catalog.test_catalog_views.OnlyCheapProducts"]
    }

    with django_assert_num_queries(3):
        slow = api_client.get(f"{PRODUCTS}{fast_product.pk}/").json()

    assert json.dumps(slow) == json.dumps(fast)


def request_for(host="testserver", secure=False, **extra):
    return APIRequestFactory().get("/", HTTP_HOST=host, secure=secure, **extra)


class NamesAsUrls:
    """A storage whose URL of a name is the name itself."""

    def url(self, name):
        return name


@pytest.mark.parametrize(
    "url",
    [
        "/media/mug.png",
        "/media/a%20b.png",
        "/media/sub/../mug.png",
        "/media/./mug.png",
        "/media/.hidden.png",
        "//cdn.example.com/mug.png",
        "https://cdn.example.com/mug.png?X-Amz-Signature=abc&X-Amz-Expires=60",
        "/media/tasse-é.png",
        "/media/a b.png",
        "/media/mug.png?v=1#top",
        "media/mug.png",
        "/",
    ],
)
@pytest.mark.parametrize(
    "request_",
    [request_for(), request_for("shop.example.com:8443", secure=True)],
    ids=["http", "https-port"],
)
def test_image_urls_are_what_build_absolute_uri_gives(url, request_, settings):
    settings.ALLOWED_HOSTS = ["*"]
    urls = ImageUrls(request_)
    urls.storage, urls.base_url = NamesAsUrls(), None

    assert urls(url) == request_.build_absolute_uri(url)


def test_image_urls_without_a_request_are_the_storages():
    urls = ImageUrls(None)
    urls.storage, urls.base_url = NamesAsUrls(), None

    assert urls("/media/mug.png") == "/media/mug.png"
    assert urls("") is None


class ShoutingField(serializers.CharField):
    def to_representation(self, value):
        return str(value).upper()


class ShoutingTimes(serializers.DateTimeField):
    def to_representation(self, value):
        return str(value.year)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (serializers.CharField(source="name"), "lamp", "lamp"),
        (serializers.CharField(source="name"), 5, "5"),
        (serializers.IntegerField(source="name"), 5, 5),
        (serializers.IntegerField(source="name"), True, 1),
        (serializers.BooleanField(source="name"), 1, True),
        (ShoutingField(source="name"), "lamp", "LAMP"),
        (serializers.CharField(source="name"), None, None),
        (serializers.BigIntegerField(source="name"), 7, 7),
        (serializers.BigIntegerField(source="name", coerce_to_string=True), 7, "7"),
        (core_serializers.TextField(source="name"), "lamp", "lamp"),
        (core_serializers.BooleanField(source="name"), 0, False),
        (
            ShoutingTimes(source="name"),
            datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc),
            "2026",
        ),
        (
            serializers.DateTimeField(source="name", format="%Y"),
            datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc),
            "2026",
        ),
    ],
)
def test_columns_convert_as_their_fields_do(field, value, expected):
    converted = column_converter(field)({"name": value})

    assert converted == expected
    assert type(converted) is type(expected)


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/St_Johns", "Asia/Kathmandu"])
@hypothesis_settings(max_examples=60, deadline=None)
@given(
    moment=st.datetimes(
        min_value=datetime.datetime(1901, 1, 1),
        max_value=datetime.datetime(2200, 1, 1),
        timezones=st.sampled_from([datetime.timezone.utc, zoneinfo.ZoneInfo("Pacific/Chatham")]),
    )
)
def test_date_times_convert_as_drf_shows_them_in_any_time_zone(zone, moment):
    field = serializers.DateTimeField(source="at")
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        expected = field.to_representation(moment)
        converted = column_converter(field)({"at": moment})

    assert converted == expected


NAME_CHARACTERS = "ab/._-~!*()'%é ?#;:\\"


@pytest.mark.parametrize(
    "base_url",
    ["/media/", "https://cdn.example.com/shop/media/", "/a/../media/", "/media/?v=1", "media/"],
)
@hypothesis_settings(max_examples=300, deadline=None)
@given(name=st.text(NAME_CHARACTERS, min_size=1, max_size=12))
def test_file_system_urls_are_the_storages(base_url, name):
    storage = FileSystemStorage(base_url=base_url)
    urls = ImageUrls(None)
    urls.storage, urls.base_url = storage, appends_plain_names(storage)

    assert urls(name) == storage.url(name)


def test_other_storages_give_their_own_urls():
    class SigningStorage(FileSystemStorage):
        def url(self, name):
            return f"{super().url(name)}?signature=1"

    assert appends_plain_names(SigningStorage(base_url="/media/")) is None
    assert appends_plain_names(FileSystemStorage(base_url="/media/")) == "/media/"


def test_the_default_storage_is_read_per_request(settings):
    settings.MEDIA_URL = "/files/"
    urls = ImageUrls(None)

    assert urls.base_url == "/files/"  # Computed: the default storage is a FileSystemStorage.
    assert urls("shopcore/mug.png") == "/files/shopcore/mug.png"
    assert urls("shopcore/tasse é.png") == "/files/shopcore/tasse%20%C3%A9.png"


def test_dates_follow_the_time_zone_activated_per_request(api_client):
    product = ProductFactory()
    url = f"{PRODUCTS}{product.pk}/"

    shown = {}
    for zone in ("UTC", "Asia/Tokyo", "UTC"):
        with timezone.override(zoneinfo.ZoneInfo(zone)):
            shown.setdefault(zone, set()).add(api_client.get(url).json()["created_at"])

    assert shown["UTC"] == {product.created_at.isoformat().replace("+00:00", "Z")}
    assert shown["Asia/Tokyo"] == {
        product.created_at.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo")).isoformat()
    }


def test_the_details_first_image_is_the_first_of_its_images(api_client):
    with_images, without = ProductFactory(), ProductFactory()
    for position, name in ((2, "c.png"), (1, "b.png"), (1, "a.png")):
        ProductImage.objects.create(
            product=with_images, image=f"shopcore/{name}", position=position, width=1, height=1
        )

    listed = {row["id"]: row["image"] for row in api_client.get(PRODUCTS).json()["results"]}
    shown = api_client.get(f"{PRODUCTS}{with_images.pk}/").json()
    bare = api_client.get(f"{PRODUCTS}{without.pk}/").json()

    assert [image["url"].rsplit("/", 1)[1] for image in shown["images"]] == [
        "b.png",
        "a.png",
        "c.png",
    ]
    assert shown["image"] == shown["images"][0]["url"] == listed[with_images.pk]
    assert (bare["image"], bare["images"], listed[without.pk]) == (None, [], None)


def test_the_first_image_name_is_the_subquerys():
    products = ProductFactory.create_batch(3)
    for position, name in ((2, "c.png"), (1, "b.png"), (1, "a.png")):
        ProductImage.objects.create(
            product=products[0], image=f"shopcore/{name}", position=position, width=1, height=1
        )
    ProductImage.objects.create(product=products[1], image="shopcore/d.png", width=1, height=1)
    images = ProductImage.objects.filter(product=OuterRef("pk")).order_by("position", "id")
    subquery = Subquery(images.values("image")[:1])

    fixed = Product.objects.annotate(first_image=FirstImageName()).order_by("pk")
    expected = Product.objects.annotate(first_image=subquery).order_by("pk")
    assert list(fixed.values_list("first_image", flat=True)) == list(
        expected.values_list("first_image", flat=True)
    )
    assert list(fixed.values_list("first_image", flat=True)) == [
        "shopcore/b.png",
        "shopcore/d.png",
        None,
    ]
    # Inside a subquery, whose table Django relabels: it names the subquery's own rows.
    with_images = fixed.filter(first_image__isnull=False).values("pk")
    assert list(Product.objects.filter(pk__in=with_images).order_by("pk")) == products[:2]


class LampsOnly(ProductViewSet):
    """A host's view whose queryset depends on something of its own."""

    def get_queryset(self):
        return super().get_queryset().filter(name="Lamp")


class ExtraFiltering(ProductViewSet):
    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).filter(name="Lamp")


def test_a_hosts_get_queryset_is_read_for_the_values():
    ProductFactory(name="Lamp")
    ProductFactory(name="Chair")
    representation = fast_representation(ProductSerializer)
    view = list_view(PRODUCTS)
    host_view = LampsOnly()
    host_view.request, host_view.action = view.request, "list"

    assert view.shared_queryset() is not None
    assert host_view.shared_queryset() is None
    assert [row["name"] for row in host_view.value_rows(representation)] == ["Lamp"]
    assert {row["name"] for row in view.value_rows(representation)} == {"Lamp", "Chair"}


def test_a_hosts_filter_queryset_still_runs():
    view = list_view(PRODUCTS)
    host_view = ExtraFiltering()
    host_view.request, host_view.action = view.request, "list"

    assert view.reads_unfiltered_rows()
    assert not host_view.reads_unfiltered_rows()


def test_categories_share_their_class_queryset():
    view = CategoryViewSet()
    view.request, view.action = Request(APIRequestFactory().get(CATEGORIES)), "list"

    assert view.shared_queryset() is CategoryViewSet.queryset


def test_filters_reading_suffixed_parameters_always_run():
    class PriceRange(ProductViewSet.filterset_class):
        price = django_filters.RangeFilter()

    assert parameter_names(ProductViewSet.filterset_class) is not None
    assert parameter_names(PriceRange) is None


@pytest.fixture
def built_filters(monkeypatch):
    """The names of the filters each product or category FilterSet of a request's parameters
    was built with (not the prepared lists' own, prepared_lists.py)."""
    built = []
    original = CatalogFilterSet.__init__

    def recording(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if self.is_bound:
            built.append(tuple(self.filters))

    monkeypatch.setattr(CatalogFilterSet, "__init__", recording)
    return built


def test_a_filtered_list_builds_only_the_filters_given(api_client, built_filters):
    response = api_client.get(PRODUCTS, {"in_stock": "true", "ordering": "price", "page": "1"})

    assert response.status_code == 200
    assert built_filters == [("in_stock", "ordering")]


def test_lists_with_other_filters_given_each_validate_their_own(api_client, built_filters):
    ProductFactory(price=Decimal("5"), stock=0)
    ProductFactory(price=Decimal("20"), stock=3)

    assert api_client.get(PRODUCTS, {"min_price": "10"}).json()["count"] == 1
    assert api_client.get(PRODUCTS, {"in_stock": "false"}).json()["count"] == 1
    bad = api_client.get(PRODUCTS, {"in_stock": "true", "min_price": "abc"})
    assert bad.status_code == 400
    assert list(bad.json()) == ["min_price"]
    assert built_filters == [("min_price",), ("in_stock",), ("min_price", "in_stock")]


def test_a_hosts_filterset_builds_every_filter(built_filters):
    host_filterset = type("HostFilterSet", (ProductViewSet.filterset_class,), {})
    view = list_view(f"{PRODUCTS}?in_stock=true")
    view.filterset_class = host_filterset

    view.filter_queryset(Product.objects.all())

    assert built_filters == [tuple(host_filterset.base_filters)]


def test_filters_given_are_none_for_suffixed_parameters():
    class PriceRange(ProductViewSet.filterset_class):
        price = django_filters.RangeFilter()

    assert filters_given(PriceRange, QueryDict("price_min=1")) is None
    assert filters_given(ProductFilterSet, QueryDict("search=a&page=2&category=1")) == (
        "category",
        "search",
    )


def test_the_browsable_apis_form_shows_every_filter_whatever_is_given(admin_client):
    response = admin_client.get(PRODUCTS, {"in_stock": "true"}, HTTP_ACCEPT="text/html")

    html = response.content.decode()
    for name in ProductFilterSet.base_filters:
        assert f'name="{name}"' in html


def rich_product():
    """A product with variants (one inactive), their options, and images out of order."""
    product = ProductFactory(price=Decimal("12.30"))
    VariantFactory(product=product, options={"size": "M", "color": "red"}, price="9.90")
    VariantFactory(product=product, options={"size": "L"}, stock=0)
    VariantFactory(product=product, is_active=False)
    for position, name in ((2, "b.png"), (0, "a.png")):
        ProductImage.objects.create(
            product=product, image=f"shopcore/{name}", position=position, width=3, height=2
        )
    return product


@pytest.mark.parametrize("client_name", ["api_client", "admin_client"])
def test_a_detail_reads_what_the_serializer_shows(request, settings, client_name):
    client = request.getfixturevalue(client_name)
    product = rich_product()
    fast = client.get(f"{PRODUCTS}{product.pk}/").json()
    # A permission that looks at the object: the view reads an instance through the serializer.
    settings.SHOPCORE = {
        "CATALOG_PERMISSION_CLASSES": ["tests.catalog.test_catalog_views.OnlyCheapProducts"]
    }

    slow = client.get(f"{PRODUCTS}{product.pk}/").json()

    assert json.dumps(fast) == json.dumps(slow)
    assert len(fast["variants"]) == (4 if client_name == "admin_client" else 3)


def test_a_detail_reads_three_queries(api_client, django_assert_num_queries):
    product = rich_product()
    api_client.get(f"{PRODUCTS}{product.pk}/")

    with django_assert_num_queries(3):
        assert api_client.get(f"{PRODUCTS}{product.pk}/").status_code == 200


@pytest.mark.parametrize("pk", ["0", "99999999", "99999999999999999999", "0002147483648"])
def test_details_of_no_product_are_404s(api_client, pk):
    response = api_client.get(f"{PRODUCTS}{pk}/")

    assert response.status_code == 404
    assert response.json() == {"detail": "No Product matches the given query."}


def test_a_detail_id_with_leading_zeros_is_the_same_product(api_client):
    product = ProductFactory()

    assert api_client.get(f"{PRODUCTS}{product.pk:05d}/").json()["id"] == product.pk
