"""Order routes: ``orders/``, ``orders/{id}/`` and its ``cancel/``, ``mark-paid/``, ``fulfil/``."""

from rest_framework.routers import SimpleRouter

from .views import OrderViewSet

app_name = "shopcore_orders"

router = SimpleRouter()
router.register("orders", OrderViewSet, basename="order")

urlpatterns = router.urls
