"""The example project's URLs plus its static files, which gunicorn does not serve on its own."""

from demo.urls import handler400, handler403, handler404, handler500  # noqa: F401 (JSON errors)
from demo.urls import urlpatterns as demo_urlpatterns
from django.contrib.staticfiles.views import serve
from django.urls import re_path

urlpatterns = [
    *demo_urlpatterns,
    # Test-only: the Swagger UI and ReDoc assets come from drf-spectacular-sidecar
    # through the static files finders, with no collectstatic and no internet.
    re_path(r"^static/(?P<path>.*)$", serve, {"insecure": True}),
]
