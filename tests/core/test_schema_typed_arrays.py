"""Every array in the committed schema declares its items, as typed client generators need.

openapi-python-client drops a component holding an array without ``items``
(with a warning for each operation that answers it); `make e2e-client`
generates the whole client with ``--fail-on-warning``. This is the quick,
generator-free check of the cause that once broke it: ``ValidationError``.
"""

from pathlib import Path

import yaml

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


def untyped_arrays(node, path="#"):
    """JSON pointers of every ``type: array`` schema under ``node`` without ``items``."""
    if isinstance(node, dict):
        if node.get("type") == "array" and "items" not in node:
            yield path
        for key, value in node.items():
            yield from untyped_arrays(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from untyped_arrays(value, f"{path}/{index}")


def test_every_array_of_the_schema_declares_its_items():
    schema = yaml.safe_load(SCHEMA_FILE.read_text())

    assert list(untyped_arrays(schema)) == []


def test_the_walk_finds_an_array_without_items():
    node = {"a": {"anyOf": [{"type": "array", "items": {}}, {"type": "array"}]}}

    assert list(untyped_arrays(node)) == ["#/a/anyOf/1"]
