"""The qstation REST service (FastAPI): IQM Server API v1, QaaS API v1 and our own paths."""
