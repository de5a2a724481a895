"""Benchmarks of the toolkit: every figure a ratio against a named peer measured in the same run.

``make bench`` (``python -m bench``) runs them all, prints one table and writes it, with the
date and the machine, to ``bench/results/``. Benchmarks are not tests: nothing here asserts
a time.
"""
