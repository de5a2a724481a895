"""Contains all the data models used in inputs/outputs"""

from .dli_error_response import DliErrorResponse
from .error_response import ErrorResponse
from .flink_metric_response import FlinkMetricResponse
from .flink_metrics import FlinkMetrics
from .job_metrics_payload import JobMetricsPayload
from .job_metrics_request import JobMetricsRequest
from .job_metrics_response import JobMetricsResponse
from .job_monitoring_info import JobMonitoringInfo
from .job_stream_metrics import JobStreamMetrics
from .stream_metrics import StreamMetrics

__all__ = (
    "DliErrorResponse",
    "ErrorResponse",
    "FlinkMetricResponse",
    "FlinkMetrics",
    "JobMetricsPayload",
    "JobMetricsRequest",
    "JobMetricsResponse",
    "JobMonitoringInfo",
    "JobStreamMetrics",
    "StreamMetrics",
)
