"""Catalog routes: ``categories/``, ``products/`` and ``products/{id}/variants/``."""

from rest_framework.routers import SimpleRouter

from .views import CategoryViewSet, ProductViewSet, VariantViewSet

app_name = "shopcore_catalog"

router = SimpleRouter()
router.register("categories", CategoryViewSet, basename="category")
router.register("products", ProductViewSet, basename="product")
# Nested under its product; the prefix is a regex in SimpleRouter.
router.register(
    r"products/(?P<product_pk>[0-9]+)/variants", VariantViewSet, basename="product-variant"
)

urlpatterns = router.urls
