"""Tests of the demo data generator (contrib.demo)."""
