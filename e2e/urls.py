"""The example project's URLs plus its static files, which gunicorn does not serve on its own."""

from pathlib import Path

from demo.urls import handler400, handler403, handler404, handler500  # noqa: F401 (JSON errors)
from demo.urls import urlpatterns as demo_urlpatterns
from django.conf import settings
from django.contrib.staticfiles.views import serve
from django.http import JsonResponse
from django.urls import path, re_path


def last_mail(request):
    """Test-only: the newest e-mail the server wrote to ``?to=``, to follow a reset link."""
    header = f"To: {request.GET.get('to', '')}\n"
    mails = sorted(Path(settings.EMAIL_FILE_PATH).glob("*.log"), key=lambda p: p.stat().st_mtime)
    messages = [text for text in (mail.read_text() for mail in mails) if header in text]
    return JsonResponse({"message": messages[-1] if messages else ""})


urlpatterns = [
    path("api/e2e/last-mail/", last_mail),
    *demo_urlpatterns,
    # Test-only: the Swagger UI and ReDoc assets come from drf-spectacular-sidecar
    # through the static files finders, with no collectstatic and no internet.
    re_path(r"^static/(?P<path>.*)$", serve, {"insecure": True}),
]
