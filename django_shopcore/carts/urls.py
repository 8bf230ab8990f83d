"""Cart routes: ``carts/``, ``carts/{id}/`` and ``carts/{id}/items/[{item_id}/]``."""

from rest_framework.routers import SimpleRouter

from .views import CartViewSet

app_name = "shopcore_carts"

router = SimpleRouter()
router.register("carts", CartViewSet, basename="cart")

urlpatterns = router.urls
