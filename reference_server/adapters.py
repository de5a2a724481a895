"""One pydantic ``TypeAdapter`` per generated model the server uses, built once.

The generated models are pydantic dataclasses (slotted, for parsing speed): they are
validated and serialised through adapters, and building an adapter compiles a validator, so
the app, the job cache and the loader share these instead of each building its own.
"""

from __future__ import annotations

from jobs_metrics_models import (
    FlinkMetricResponse,
    JobMetricsRequest,
    JobMetricsResponse,
    JobMonitoringInfo,
)
from pydantic import TypeAdapter

REQUEST = TypeAdapter(JobMetricsRequest)
RESPONSE = TypeAdapter(JobMetricsResponse)
JOB = TypeAdapter(JobMonitoringInfo)
JOBS = TypeAdapter(list[JobMonitoringInfo])
FLINK_RESPONSE = TypeAdapter(FlinkMetricResponse)

__all__ = ["FLINK_RESPONSE", "JOB", "JOBS", "REQUEST", "RESPONSE"]
