"""A seed-literal DRF catalog, the baseline that shopcore is compared against."""
