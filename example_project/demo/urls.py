"""URLs of the example project: the admin and the whole shopcore API under /api/."""

from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("django_shopcore.urls")),
]


def json_error(status, detail):
    """An error view answering in the API's error shape, never a (debug) HTML page."""

    def view(request, exception=None):
        return JsonResponse({"detail": detail}, status=status)

    return view


handler400 = json_error(400, "Bad request.")
handler403 = json_error(403, "You do not have permission to perform this action.")
handler404 = json_error(404, "Not found.")
handler500 = json_error(500, "Server error.")
