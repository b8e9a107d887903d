"""Benchmark of the refresh against a hand-written DuckDB baseline (issue 6): `make bench`."""
