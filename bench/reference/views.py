"""The catalog as the requirement literally reads, written the plain DRF way.

ModelSerializer per row, ``icontains`` search, OFFSET pages with an exact
COUNT(*), DRF's OrderingFilter, and a new database connection per request
(the ``reference`` alias has CONN_MAX_AGE=0). Deliberately not optimized.
"""

from django_filters import rest_framework as filters
from rest_framework import generics, serializers
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.pagination import PageNumberPagination

from django_shopcore.catalog.models import Category, Product

DATABASE = "reference"


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "slug",
            "category",
            "price",
            "description",
            "stock",
            "is_active",
            "created_at",
            "updated_at",
        ]


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "slug", "description", "parent", "created_at", "updated_at"]


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class ProductFilter(filters.FilterSet):
    category = filters.CharFilter(method="filter_category")
    min_price = filters.NumberFilter(field_name="price", lookup_expr="gte")
    max_price = filters.NumberFilter(field_name="price", lookup_expr="lte")
    in_stock = filters.BooleanFilter(method="filter_in_stock")

    def filter_category(self, queryset, name, value):
        lookup = {"pk": value} if value.isdigit() else {"slug": value}
        category = Category.objects.using(DATABASE).filter(**lookup).first()
        if category is None:
            return queryset.none()
        return queryset.filter(category__path__startswith=category.path)

    def filter_in_stock(self, queryset, name, value):
        return queryset.filter(stock__gt=0) if value else queryset


class ProductList(generics.ListAPIView):
    queryset = Product.objects.using(DATABASE).filter(is_active=True)
    serializer_class = ProductSerializer
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend, SearchFilter, OrderingFilter]
    filterset_class = ProductFilter
    search_fields = ["name", "description"]
    ordering_fields = ["price", "created_at", "name"]


class ProductDetail(generics.RetrieveAPIView):
    queryset = Product.objects.using(DATABASE).filter(is_active=True)
    serializer_class = ProductSerializer


class CategoryList(generics.ListAPIView):
    queryset = Category.objects.using(DATABASE).all()
    serializer_class = CategorySerializer
    pagination_class = Pagination
