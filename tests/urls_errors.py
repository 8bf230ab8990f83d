"""URLs with views that fail, for the request id and error logging tests."""

from django.urls import include, path
from rest_framework.views import APIView

from django_shopcore.core.views import ShopcoreViewMixin


class FailingAPIView(ShopcoreViewMixin, APIView):
    authentication_classes = permission_classes = ()

    def get(self, request):
        raise RuntimeError("the API view broke")


def failing_view(request):
    raise RuntimeError("the plain view broke")


urlpatterns = [
    path("api/", include("django_shopcore.urls")),
    path("fail/api/", FailingAPIView.as_view()),
    path("fail/plain/", failing_view),
]

handler500 = "rest_framework.exceptions.server_error"
