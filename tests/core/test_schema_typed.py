"""Every value of the committed schema has a type, as typed client generators need.

openapi-python-client drops a component holding an array without ``items``
(with a warning for each operation that answers it), and types a property
without a schema (``{}``, e.g. a bare JSON field) as ``Any``; `make e2e-client`
generates the whole client with ``--fail-on-warning``. These are the quick,
generator-free checks of the causes: ``ValidationError``'s nested arrays, and a
variant's ``options`` and an order's ``shipping_address``.
"""

from pathlib import Path

import yaml

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
# Keywords that say nothing about a value's type.
ANNOTATIONS = {"description", "readOnly", "writeOnly", "nullable", "default", "title"}


def walk(node, path="#"):
    """(JSON pointer, node) of ``node`` and everything under it."""
    yield path, node
    children = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in children:
        if isinstance(value, (dict, list)):
            yield from walk(value, f"{path}/{key}")


def untyped_arrays(schema):
    """Pointers of every ``type: array`` without ``items``."""
    return [
        path
        for path, node in walk(schema)
        if isinstance(node, dict) and node.get("type") == "array" and "items" not in node
    ]


def untyped_properties(schema):
    """Pointers of every object property whose schema only annotates (``{}``: any value)."""
    return [
        f"{path}/properties/{name}"
        for path, node in walk(schema)
        if isinstance(node, dict) and isinstance(node.get("properties"), dict)
        for name, property_schema in node["properties"].items()
        if not set(property_schema) - ANNOTATIONS
    ]


def test_every_array_of_the_schema_declares_its_items():
    schema = yaml.safe_load(SCHEMA_FILE.read_text())

    assert untyped_arrays(schema) == []


def test_every_property_of_the_schema_has_a_type():
    schema = yaml.safe_load(SCHEMA_FILE.read_text())

    assert untyped_properties(schema) == []


def test_the_checks_find_what_they_look_for():
    node = {
        "a": {"anyOf": [{"type": "array", "items": {}}, {"type": "array"}]},
        "b": {"properties": {"typed": {"type": "string"}, "any": {"readOnly": True}}},
    }

    assert untyped_arrays(node) == ["#/a/anyOf/1"]
    assert untyped_properties(node) == ["#/b/properties/any"]
