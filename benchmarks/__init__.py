"""Benchmarks for ``make bench``: generators, the DuckDB reference, the timing harness."""
