"""Catalog routes: ``categories/`` and ``products/``."""

from rest_framework.routers import SimpleRouter

from .views import CategoryViewSet, ProductViewSet

app_name = "shopcore_catalog"

router = SimpleRouter()
router.register("categories", CategoryViewSet, basename="category")
router.register("products", ProductViewSet, basename="product")

urlpatterns = router.urls
