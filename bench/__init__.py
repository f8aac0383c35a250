"""Benchmarks: each compares the project's path with a named peer on the same data in one run.

Run with ``python -m bench [names...]``; see bench/README.md. Benchmarks are not tests: nothing here is timed
by pytest.
"""
