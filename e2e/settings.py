"""The example project's settings for end-to-end runs: generous throttles, static files, mail.

The Postman collection logs in, registers and refreshes more often in one run
than the default throttle rates allow, and gunicorn does not serve the
Swagger UI assets without a static files server in front of it.
"""

import tempfile
from pathlib import Path

from demo.settings import *  # noqa: F403
from demo.settings import SHOPCORE

ROOT_URLCONF = "e2e.urls"
# Plain HTTP on the loopback interface: no redirect to HTTPS.
SECURE_SSL_REDIRECT = False

SHOPCORE = {
    **SHOPCORE,
    "THROTTLE_RATES": {
        "login": "1000/min",
        "register": "1000/min",
        "refresh": "1000/min",
        "password": "1000/min",
        "login_username": "1000/min",
        "profile": "1000/min",
        "password_reset": "1000/min",
    },
    # The collection shows reuse detection by replaying a token right after
    # its rotation: no grace window here.
    "REFRESH_REUSE_GRACE_SECONDS": 0,
}

# Password reset e-mails land in files that every gunicorn worker shares; the
# collection reads the newest one through e2e/urls.py's last-mail view.
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = Path(tempfile.gettempdir()) / "shopcore-e2e-mail"
