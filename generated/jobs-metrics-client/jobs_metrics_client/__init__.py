"""A client library for accessing Cloud Stream Service - Job Monitoring Information"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
