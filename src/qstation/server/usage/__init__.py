"""Quotas (refused with 429 and ``Retry-After``) and usage reports (``/qstation/v1/usage``)."""
