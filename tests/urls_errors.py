"""URLs with views that fail, for the request id, error logging and outage tests."""

from django.http import JsonResponse
from django.urls import include, path
from rest_framework.views import APIView

from django_shopcore.catalog.models import Product
from django_shopcore.core.views import ShopcoreViewMixin


class FailingAPIView(ShopcoreViewMixin, APIView):
    authentication_classes = permission_classes = ()

    def get(self, request):
        raise RuntimeError("the API view broke")


def failing_view(request):
    raise RuntimeError("the plain view broke")


def count_view(request):
    """A view outside DRF that reads the database."""
    return JsonResponse({"products": Product.objects.count()})


urlpatterns = [
    path("count/", count_view),
    path("api/", include("django_shopcore.urls")),
    path("fail/api/", FailingAPIView.as_view()),
    path("fail/plain/", failing_view),
]

handler500 = "rest_framework.exceptions.server_error"
