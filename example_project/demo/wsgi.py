"""WSGI entry point: ``gunicorn demo.wsgi`` from the example_project directory."""

import logging
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo.settings")

application = get_wsgi_application()

if settings.SECURE_SSL_REDIRECT and not settings.SECURE_PROXY_SSL_HEADER:
    # Otherwise the first plain-HTTP request is a bare 301 to https:// that says nothing.
    logging.getLogger("demo").warning(
        "SECURE_SSL_REDIRECT is on: every plain-HTTP request is redirected (301) to "
        "https://. Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto; "
        "serving plain HTTP on purpose (e.g. trying it out on 127.0.0.1), set "
        "SECURE_SSL_REDIRECT=false."
    )
