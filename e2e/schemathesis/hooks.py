"""schemathesis hooks for the admin run: a staff account to fuzz with, put back after every change.

Loaded by e2e/run_schemathesis.sh through ``SCHEMATHESIS_HOOKS``. The e2e
superuser never fuzzes: it creates a staff user, ``fuzz-admin``, whose token
(from a fresh login every minute) goes on every request. The fuzzer may rename,
demote, deactivate or re-password that account like any other; whenever a
request succeeds in changing it, the superuser (which staff cannot touch)
restores it at once, so the rest of the run is not a wall of 401s and 403s.
"""

import os
import secrets

import requests
import schemathesis

BASE_URL = os.environ["E2E_BASE_URL"]
# How long a token is reused: well within simplejwt's default 5-minute lifetime.
TOKEN_REFRESH_SECONDS = 60
FUZZER = {
    "username": "fuzz-admin",
    "email": "fuzz-admin@example.com",
    "password": secrets.token_urlsafe(16),
    "first_name": "",
    "last_name": "",
    "is_staff": True,
    "is_active": True,
}
# Writes that change the caller's own account whatever ids they carry.
OWN_ACCOUNT_PATHS = {"/api/auth/me/", "/api/auth/password/"}
USER_DETAIL_PATH = "/api/users/{id}/"


def call(method, path, token=None, body=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.request(
        method, f"{BASE_URL}{path}", json=body, headers=headers, timeout=30
    )
    response.raise_for_status()
    return response.json() if response.content else None


def access_token(username, password):
    return call("POST", "/api/auth/login/", body={"username": username, "password": password})[
        "access"
    ]


def superuser_token():
    return access_token(os.environ["E2E_ADMIN_USERNAME"], os.environ["E2E_ADMIN_PASSWORD"])


FUZZER_ID = call("POST", "/api/users/", superuser_token(), FUZZER)["id"]


def restore_fuzzer():
    """Put the fuzzing account back as created: its name, password, staff and active flags."""
    call("PUT", f"/api/users/{FUZZER_ID}/", superuser_token(), FUZZER)


@schemathesis.auth(refresh_interval=TOKEN_REFRESH_SECONDS)
class FuzzerBearer:
    def get(self, case, context):
        return access_token(FUZZER["username"], FUZZER["password"])

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schemathesis.hook
def after_call(context, case, response):
    if case.method.upper() in {"GET", "HEAD", "OPTIONS"} or response.status_code >= 300:
        return
    path = case.operation.path
    own_account = path in OWN_ACCOUNT_PATHS or (
        path == USER_DETAIL_PATH and str((case.path_parameters or {}).get("id")) == str(FUZZER_ID)
    )
    if own_account:
        restore_fuzzer()
