"""Benchmarks of hr-elt: requests against the floor, time and memory against a plain dlt baseline.

``python -m bench`` (``make bench``) runs every vendor whose source imports at several sizes,
writes ``bench/results/<date>.json`` and the tables in docs/benchmarks.md.
"""
