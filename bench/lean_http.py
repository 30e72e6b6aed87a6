"""Light HTTP/1.1 keep-alive clients for the request-path benchmark.

The load generator shares the machine's cores with the servers it measures, so both clients
are as cheap as the standard library allows: ``http.client`` for threads and raw asyncio
streams for a thousand concurrent connections. Both drive a server through the same round:
submit, long-poll until terminal, fetch the measurements.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import time
from typing import Any
from urllib.parse import urlsplit

QC = "star-5"
SUBMIT = f"/api/v1/jobs/{QC}/circuit?use_timeslot=false"
TERMINAL = ("completed", "failed", "cancelled")


class Refused(RuntimeError):
    """A request answered with anything but 200 (``status`` holds its code)."""

    def __init__(self, status: int, what: str, retry_after: float | None = None) -> None:
        super().__init__(f"{what}: {status}")
        self.status = status
        self.retry_after = retry_after


class LeanClient:
    """One keep-alive connection on ``http.client``."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.conn = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port, timeout=120
        )

    def call(self, method: str, path: str, body: bytes | None = None) -> Any:
        """The JSON answer of one request; raises :class:`Refused` on a non-200."""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        self.conn.request(method, path, body=body, headers=headers)
        reply = self.conn.getresponse()
        data = reply.read()
        if reply.status != 200:
            raise Refused(reply.status, f"{method} {path} {data[:200]!r}")
        return json.loads(data)

    def get_raw(self, path: str) -> str:
        """The body of a GET, as text (to copy its size)."""
        self.conn.request("GET", path)
        return self.conn.getresponse().read().decode()

    def round(self, body: bytes) -> None:
        """Submit, wait until terminal, fetch the measurements."""
        job_id = self.call("POST", SUBMIT, body)["id"]
        while (
            self.call("GET", f"/qstation/v1/jobs/{job_id}/wait?timeout=60")["status"]
            not in TERMINAL
        ):
            pass
        self.call("GET", f"/api/v1/jobs/{job_id}/artifacts/measurements")

    def close(self) -> None:
        self.conn.close()


class AsyncLeanClient:
    """One keep-alive connection on raw asyncio streams (for many concurrent clients)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def call(self, method: str, path: str, body: bytes = b"") -> Any:
        """The JSON answer of one request; raises :class:`Refused` on a non-200."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n"
        if method == "POST":
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + body)
        lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:] if h)}
        data = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        if status != 200:
            retry = headers.get("retry-after")
            raise Refused(status, f"{method} {path}", float(retry) if retry else None)
        return json.loads(data)

    async def round(self, body: bytes) -> tuple[float, int]:
        """One submit→result round: its seconds and how often the server shed it (429)."""
        t = time.perf_counter()
        shed = 0
        while True:
            try:
                job_id = (await self.call("POST", SUBMIT, body))["id"]
                break
            except Refused as err:
                if err.status != 429:
                    raise
                shed += 1  # load shed before anything was queued: honour Retry-After
                await asyncio.sleep(err.retry_after or 1.0)
        while (await self.call("GET", f"/qstation/v1/jobs/{job_id}/wait?timeout=60"))[
            "status"
        ] not in TERMINAL:
            pass
        await self.call("GET", f"/api/v1/jobs/{job_id}/artifacts/measurements")
        return time.perf_counter() - t, shed

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
