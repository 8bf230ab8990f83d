"""The catalog app: nested categories and products, with filters, search and pages."""
