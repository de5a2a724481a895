"""The spec as package data: ``jobs_metrics_spec.SPEC_PATH`` in a clone and in the wheel.

This folder is the package ``jobs_metrics_spec`` of the toolkit wheel (pyproject.toml maps
it), so ``jobs-metrics fuzz`` installed with pip reads the same one hand-authored document
that the repository's tools read here; there is no second copy.
"""

from pathlib import Path

SPEC_PATH = Path(__file__).resolve().parent / "jobs-metrics.openapi.yaml"

__all__ = ["SPEC_PATH"]
