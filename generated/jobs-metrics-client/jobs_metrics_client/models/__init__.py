"""Contains all the data models used in inputs/outputs"""

from .error_response import ErrorResponse
from .job_metrics_payload import JobMetricsPayload
from .job_metrics_request import JobMetricsRequest
from .job_metrics_response import JobMetricsResponse
from .job_monitoring_info import JobMonitoringInfo
from .job_stream_metrics import JobStreamMetrics
from .stream_metrics import StreamMetrics

__all__ = (
    "ErrorResponse",
    "JobMetricsPayload",
    "JobMetricsRequest",
    "JobMetricsResponse",
    "JobMonitoringInfo",
    "JobStreamMetrics",
    "StreamMetrics",
)
