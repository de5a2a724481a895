"""Path templates compared by shape: ``/jobs/{id}`` and ``/jobs/{job_id}`` are one URL."""

from __future__ import annotations

import re

TEMPLATE_PARAMETER = re.compile(r"\{[^}/]*\}")


def shape(path: str) -> str:
    """The template with its parameter names left out."""
    return TEMPLATE_PARAMETER.sub("{}", path)
