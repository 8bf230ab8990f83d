"""Benchmark harness for the catalog API (see docs/performance.md)."""
