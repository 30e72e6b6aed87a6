"""The wire contract shared by the qstation server and SDK.

This package imports nothing else of qstation: it is pure pydantic models.
"""
