"""Benchmarks, run from the repository root as modules (`python -m bench.storage`, `bench.browser`,
`bench.pgc`; `make bench` runs all): each prints its figures and ratios. Not tests: nothing here asserts
a speed."""
