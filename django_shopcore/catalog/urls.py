"""Catalog routes: ``categories/``, ``products/`` and their ``variants/`` and ``images/``."""

from rest_framework.routers import SimpleRouter

from .views import CategoryViewSet, ImageViewSet, ProductViewSet, VariantViewSet

app_name = "shopcore_catalog"

router = SimpleRouter()
router.register("categories", CategoryViewSet, basename="category")
router.register("products", ProductViewSet, basename="product")
# Nested under its product; the prefix is a regex in SimpleRouter.
router.register(
    r"products/(?P<product_pk>[0-9]+)/variants", VariantViewSet, basename="product-variant"
)
router.register(r"products/(?P<product_pk>[0-9]+)/images", ImageViewSet, basename="product-image")

urlpatterns = router.urls
