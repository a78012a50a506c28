"""Benchmark, soak and fuzz tools for the site (see README.md). Not part of the test suite."""
