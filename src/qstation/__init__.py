"""qstation: a self-hostable quantum-computer service and its Python SDK."""

__version__ = "0.1.0"

__all__ = ["__version__"]
