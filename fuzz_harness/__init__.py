"""The fuzz harness: schemathesis settings, this API's own checks, and the runner.

``schemathesis.toml`` at the repository root names :mod:`fuzz_harness.hooks`, so every run
(the CLI of ``make fuzz`` and the in-process pytest contract tests) enforces the same
checks.
"""
