"""Helpers for users of the SDK."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["to_json_dict"]


def _to_json(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_to_json(v) for v in value]
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, complex):
        return {"real": value.real, "imag": value.imag}
    tolist = getattr(value, "tolist", None)  # numpy arrays and scalars
    if callable(tolist):
        return _to_json(tolist())
    item = getattr(value, "item", None)
    if callable(item):
        return _to_json(item())
    raise TypeError(f"cannot convert {type(value).__name__} to JSON")


def to_json_dict(data: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON-serializable copy of ``data``, e.g. for circuit metadata.

    NumPy arrays become (nested) lists, NumPy scalars Python numbers, tuples and sets lists,
    complex numbers ``{"real", "imag"}`` objects; mapping keys become strings.

    Args:
        data: a mapping whose values may hold NumPy values.

    Returns:
        A new dict containing only JSON types.

    Raises:
        TypeError: a value has no JSON equivalent.
    """
    result = _to_json(data)
    assert isinstance(result, dict)
    return result
