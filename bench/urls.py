"""The example project's URLs plus the reference implementation under /reference/."""

from demo.urls import urlpatterns as demo_urlpatterns
from django.urls import include, path

urlpatterns = [*demo_urlpatterns, path("reference/", include("bench.reference.urls"))]
