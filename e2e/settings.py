"""The example project's settings for end-to-end runs: generous throttles, static files served.

The Postman collection logs in, registers and refreshes more often in one run
than the default throttle rates allow, and gunicorn does not serve the
Swagger UI assets without a static files server in front of it.
"""

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
    },
}
