"""Tests of the catalog app."""
