"""``python -m fuzz_harness``: the harness' commands (:mod:`fuzz_harness.cli`)."""

from fuzz_harness.cli import harness

harness(prog_name="python -m fuzz_harness")
