"""schemathesis hooks for the admin run: a token that stays valid, an admin that stays one.

Loaded by e2e/run_schemathesis.sh through ``SCHEMATHESIS_HOOKS``. The token
comes from a fresh login every minute, well within the access token's
lifetime. Requests that would delete, demote, deactivate or rename the admin's
own account are left out: the rest of the run would be 401s and 403s.
"""

import os

import requests
import schemathesis

BASE_URL = os.environ["E2E_BASE_URL"]
# How long a token is reused: well within simplejwt's default 5-minute lifetime.
TOKEN_REFRESH_SECONDS = 60
USER_DETAIL_PATH = "/api/users/{id}/"
ME_PATH = "/api/auth/me/"


def log_in():
    credentials = {
        "username": os.environ["E2E_ADMIN_USERNAME"],
        "password": os.environ["E2E_ADMIN_PASSWORD"],
    }
    response = requests.post(f"{BASE_URL}/api/auth/login/", json=credentials, timeout=30)
    response.raise_for_status()
    return response.json()


def admin_id():
    access = log_in()["access"]
    response = requests.get(
        f"{BASE_URL}/api/auth/me/", headers={"Authorization": f"Bearer {access}"}, timeout=30
    )
    response.raise_for_status()
    return str(response.json()["id"])


ADMIN_ID = admin_id()


@schemathesis.auth(refresh_interval=TOKEN_REFRESH_SECONDS)
class AdminBearer:
    def get(self, case, context):
        return log_in()["access"]

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schemathesis.hook
def filter_path_parameters(context, path_parameters):
    """Keep writes away from the admin's own account."""
    operation = context.operation
    if operation is None or not operation.path.endswith(USER_DETAIL_PATH):
        return True
    if operation.method.upper() in {"GET", "HEAD", "OPTIONS"}:
        return True
    return str(path_parameters.get("id")) != ADMIN_ID


@schemathesis.hook
def filter_body(context, body):
    """The admin logs in by username: ``PATCH /api/auth/me/`` must not change it."""
    operation = context.operation
    if operation is None or not operation.path.endswith(ME_PATH):
        return True
    return not (isinstance(body, dict) and "username" in body)
