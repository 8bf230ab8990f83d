"""The API's docs: the OpenAPI schema, Swagger UI and ReDoc."""
