"""A reusable Django app: catalog and JWT accounts APIs with OpenAPI docs."""

__version__ = "0.1.0"
