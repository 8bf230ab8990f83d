"""Opt-in apps for development: not needed to serve the API."""
