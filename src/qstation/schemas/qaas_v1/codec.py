"""The compressed envelope of QaaS job descriptions and results.

Both travel as a string holding JSON: ``{"data": base64(gzip(JSON)), "encoding": "utf-8",
"compression": "gzip"}`` (plus, for VQA descriptions, extra keys beside ``data``). Encoding
uses the standard base64 alphabet; decoding accepts the URL-safe one too, as clients do.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
from typing import Any

ENCODING = "utf-8"
COMPRESSION = "gzip"


class EnvelopeError(ValueError):
    """A string is not a valid compressed envelope."""


def compress(payload: Any, **extra: Any) -> str:
    """Wrap ``payload`` (JSON-serialisable) in the envelope and return its JSON text.

    Args:
        payload: what goes, compressed, into ``data``.
        **extra: further top-level keys of the envelope (e.g. VQA ``init_params``).

    Returns:
        The envelope as a JSON string, ready to put in a ``description`` or ``result`` field.
    """
    raw = json.dumps(payload).encode(ENCODING)
    data = base64.b64encode(gzip.compress(raw, mtime=0)).decode("ascii")
    return json.dumps({"data": data, "encoding": ENCODING, "compression": COMPRESSION, **extra})


def open_envelope(text: str) -> dict[str, Any]:
    """Parse an envelope's JSON text without decompressing ``data``.

    Raises:
        EnvelopeError: it is not a JSON object with a string ``data``.
    """
    try:
        envelope = json.loads(text)
    except ValueError as err:
        raise EnvelopeError(f"not JSON: {err}") from err
    if not isinstance(envelope, dict) or not isinstance(envelope.get("data"), str):
        raise EnvelopeError("expected a JSON object with a string 'data' field")
    return envelope


def decompress(text: str) -> Any:
    """The payload inside an envelope's JSON text.

    Raises:
        EnvelopeError: malformed envelope, base64, gzip or JSON.
    """
    data = open_envelope(text)["data"]
    try:
        return json.loads(gzip.decompress(_b64(data)))
    except (binascii.Error, OSError, EOFError, ValueError) as err:
        raise EnvelopeError(f"cannot decompress 'data': {err}") from err


def b64_encode_text(text: str) -> str:
    """URL-safe, padded base64 of ``text`` (how runcards and calibrations travel)."""
    return base64.urlsafe_b64encode(text.encode(ENCODING)).decode("ascii")


def b64_decode_text(data: str) -> str:
    """Inverse of :func:`b64_encode_text` (either base64 alphabet).

    Raises:
        EnvelopeError: not base64 of UTF-8 text.
    """
    try:
        return _b64(data).decode(ENCODING)
    except (binascii.Error, UnicodeDecodeError, ValueError) as err:
        raise EnvelopeError(f"not base64 of UTF-8 text: {err}") from err


def _b64(data: str) -> bytes:
    # Strict: either alphabet, correctly padded, nothing else.
    return base64.b64decode(data.replace("+", "-").replace("/", "_"), altchars=b"-_", validate=True)
