"""Every response example of the committed schema follows the schema it documents.

A client generated from the schema parses a response with its declared
schema: a body without a key the schema requires (a 409 of changed prices
has no ``detail``) makes the client raise instead of returning the error.
The examples are the bodies the views really give (tests/core/test_schema_examples.py
and the views' own tests check those), so they must validate.
"""

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
SCHEMA_URI = "urn:shopcore:openapi"
METHODS = {"get", "post", "put", "patch", "delete"}


def load_schema():
    return yaml.safe_load(SCHEMA_FILE.read_text())


def response_examples(schema):
    """(operation, status code, example name, body schema, example value) of every example."""
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            for status_code, response in operation["responses"].items():
                content = response.get("content", {}).get("application/json", {})
                for name, example in content.get("examples", {}).items():
                    yield (
                        f"{method.upper()} {path}",
                        status_code,
                        name,
                        content["schema"],
                        example["value"],
                    )


def validator(schema, body_schema):
    """A validator of ``body_schema`` whose ``#/components/...`` references resolve in ``schema``.

    OpenAPI 3.0's schemas are JSON Schema draft 4 with extensions (``nullable``,
    ``format: decimal``) that a draft 4 validator ignores.
    """
    registry = Registry().with_resource(SCHEMA_URI, Resource.from_contents(schema, DRAFT4))
    # The references point into the whole schema, not into the body schema.
    absolute = json.loads(json.dumps(body_schema).replace('"#/', f'"{SCHEMA_URI}#/'))
    return Draft4Validator(absolute, registry=registry)


SCHEMA = load_schema()
EXAMPLES = list(response_examples(SCHEMA))


def test_there_are_response_examples_to_check():
    statuses = {status_code for _, status_code, *_ in EXAMPLES}
    assert {"400", "401", "403", "404", "409", "413", "422", "429"} <= statuses


@pytest.mark.parametrize(
    ("operation", "status_code", "name", "body_schema", "value"),
    EXAMPLES,
    ids=[f"{operation} {status_code} {name}" for operation, status_code, name, *_ in EXAMPLES],
)
def test_each_response_example_follows_its_schema(
    operation, status_code, name, body_schema, value
):
    errors = [error.message for error in validator(SCHEMA, body_schema).iter_errors(value)]

    assert errors == []


def test_a_body_without_a_required_key_is_caught():
    body_schema = {"$ref": "#/components/schemas/Error"}

    errors = list(validator(SCHEMA, body_schema).iter_errors({"total": "27.50"}))

    assert [error.message for error in errors] == ["'detail' is a required property"]
