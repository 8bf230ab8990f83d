"""drf-spectacular's private AutoSchema methods that shopcore's schema relies on still exist.

ShopcoreAutoSchema overrides or calls a few private methods where drf-spectacular
has no public hook (each use has a comment saying why). A drf-spectacular
release that renames one, or changes how it is called, would otherwise
silently drop part of the schema: this test names the hook that moved.
"""

import inspect

import pytest
from drf_spectacular.openapi import AutoSchema

# Each private method, with the arguments shopcore passes (``self`` aside).
PRIVATE_HOOKS = {
    # Overridden by ShopcoreAutoSchema.
    "_get_response_bodies": ((), {"direction": "response"}),
    "_map_serializer_field": (("field", "direction"), {"bypass_extensions": True}),
    "_insert_field_validators": (("field", "schema"), {}),
    "_resolve_path_parameters": (("variables",), {}),
    # Called by ShopcoreAutoSchema and the catalog's field extension.
    "_get_filter_parameters": ((), {}),
    "_get_pagination_parameters": ((), {}),
    "_is_list_view": ((), {}),
    "_get_paginator": ((), {}),
}


def hook_problem(name, args, kwargs):
    method = getattr(AutoSchema, name, None)
    if not callable(method):
        return f"AutoSchema.{name} is gone"
    try:
        inspect.signature(method).bind(None, *args, **kwargs)
    except TypeError as exc:
        return f"AutoSchema.{name}{inspect.signature(method)} no longer takes our call: {exc}"
    return None


@pytest.mark.user_model_agnostic
def test_the_private_drf_spectacular_hooks_we_rely_on_exist_with_the_signatures_we_call():
    problems = [
        problem
        for name, (args, kwargs) in PRIVATE_HOOKS.items()
        if (problem := hook_problem(name, args, kwargs))
    ]
    assert not problems, (
        "drf-spectacular changed a private method shopcore's schema relies on: "
        + "; ".join(problems)
    )
