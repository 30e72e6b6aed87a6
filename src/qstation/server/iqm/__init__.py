"""Routes of IQM Server API v1."""
