"""Checks of the generated client's responses: the status and model expected, or a failure."""

from http import HTTPStatus
from typing import Any, TypeVar

from shopcore_client.types import Response

Model = TypeVar("Model")


class StorefrontFailure(AssertionError):
    """The server answered something the storefront did not expect."""


def describe(response: Response[Any]) -> str:
    body = response.content.decode(errors="replace")
    return f"{response.status_code.value} {body[:500]}"


def expect(response: Response[Any], status: HTTPStatus, model: type[Model]) -> Model:
    """The parsed body of ``response``, which must have ``status`` and parse as ``model``."""
    parsed = response.parsed
    if response.status_code != status or not isinstance(parsed, model):
        raise StorefrontFailure(
            f"expected {status.value} {model.__name__}, got {describe(response)}"
        )
    return parsed


def expect_no_content(response: Response[Any]) -> None:
    if response.status_code != HTTPStatus.NO_CONTENT:
        raise StorefrontFailure(f"expected 204, got {describe(response)}")


def check(condition: bool, message: str) -> None:
    """Like assert, but also under ``python -O``, with the storefront's failure type."""
    if not condition:
        raise StorefrontFailure(message)
