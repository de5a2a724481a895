"""The provider's own SDK (huaweicloudsdkdli) against the reference server."""
