"""The shopper's account: register, log in, refresh the token pair, log out."""

import dataclasses
import secrets
from http import HTTPStatus

import httpx
from shopcore_client import AuthenticatedClient
from shopcore_client.api.auth import (
    auth_login_create,
    auth_logout_create,
    auth_me_retrieve,
    auth_refresh_create,
    auth_register_create,
)
from shopcore_client.models import (
    Login,
    LoginRequest,
    LogoutRequest,
    Refresh,
    RefreshRequest,
    Register,
    RegisterRequest,
    User,
)

from .responses import check, expect, expect_no_content

TIMEOUT = httpx.Timeout(30.0)


@dataclasses.dataclass(frozen=True)
class Session:
    """A signed-in user: a client sending their access token, and their refresh token."""

    client: AuthenticatedClient
    refresh: str


def client_for(base_url: str, access: str) -> AuthenticatedClient:
    return AuthenticatedClient(base_url=base_url, token=access, timeout=TIMEOUT)


def credentials_client(base_url: str) -> AuthenticatedClient:
    """A client for register, log in and refresh, before there is a token.

    openapi-python-client 0.29 types every operation whose ``security`` is not
    empty as needing an ``AuthenticatedClient``, also where ``{}`` (anonymous)
    is one of the alternatives (its issue 1372). These endpoints run no
    authenticator: the empty ``Authorization`` header this client sends is ignored.
    """
    return AuthenticatedClient(base_url=base_url, token="", prefix="", timeout=TIMEOUT)


def log_in(base_url: str, username: str, password: str) -> Session:
    tokens = expect(
        auth_login_create.sync_detailed(
            client=credentials_client(base_url),
            body=LoginRequest(username=username, password=password),
        ),
        HTTPStatus.OK,
        Login,
    )
    return Session(client_for(base_url, tokens.access), tokens.refresh)


def register(base_url: str) -> tuple[Register, str]:
    """A new account with a random name; returns it and its password."""
    username = f"shopper-{secrets.token_hex(4)}"
    password = f"Storefront-{secrets.token_urlsafe(12)}"
    account = expect(
        auth_register_create.sync_detailed(
            client=credentials_client(base_url),
            body=RegisterRequest(
                username=username, email=f"{username}@example.com", password=password
            ),
        ),
        HTTPStatus.CREATED,
        Register,
    )
    check(account.username == username, f"registered as {account.username!r}")
    return account, password


def refresh(base_url: str, session: Session) -> Session:
    """A new pair; the new access token works."""
    tokens = expect(
        auth_refresh_create.sync_detailed(
            client=credentials_client(base_url), body=RefreshRequest(refresh=session.refresh)
        ),
        HTTPStatus.OK,
        Refresh,
    )
    check(tokens.refresh != session.refresh, "the refresh token rotates")
    renewed = Session(client_for(base_url, tokens.access), tokens.refresh)
    expect(auth_me_retrieve.sync_detailed(client=renewed.client), HTTPStatus.OK, User)
    return renewed


def log_out(session: Session) -> None:
    expect_no_content(
        auth_logout_create.sync_detailed(
            client=session.client, body=LogoutRequest(refresh=session.refresh)
        )
    )
