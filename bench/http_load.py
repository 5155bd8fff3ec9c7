"""A lean HTTP/1.1 keep-alive load client on asyncio streams, for loopback benchmarks.

Python HTTP clients cost more per request than a small server answer; this one writes prepared
request bytes and reads `Content-Length` bodies, so the figures measure the server, not the client.
Bounded in time and requests; loopback only."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def request_bytes(method: str, url: str, body: dict | None = None, headers: dict[str, str] | None = None) -> bytes:
    parts = urlsplit(url)
    assert parts.hostname in ("127.0.0.1", "localhost", "::1"), "loopback only"
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    payload = json.dumps(body).encode() if body is not None else b""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {parts.netloc}", "Connection: keep-alive",
             "Accept-Encoding: identity"]
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        if line.lower().startswith("content-length:"):
            length = int(line.split(":", 1)[1])
    body = await reader.readexactly(length) if length else b""
    return status, body


async def _worker(host: str, port: int, make: Callable[[int], bytes], deadline: float, max_requests: int,
                  result: LoadResult, counter: list[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline and counter[0] < max_requests:
            counter[0] += 1
            data = make(counter[0])
            t0 = time.perf_counter()
            writer.write(data)
            status, _ = await _read_response(reader)
            result.latencies_ms.append((time.perf_counter() - t0) * 1000)
            result.requests += 1
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if status >= 500:
                result.errors += 1
    finally:
        writer.close()


async def run_load(base_url: str, make: Callable[[int], bytes], *, concurrency: int, seconds: float,
                   max_requests: int = 10_000_000) -> LoadResult:
    """`concurrency` keep-alive connections sending `make(i)` requests for `seconds`."""
    parts = urlsplit(base_url)
    result = LoadResult()
    counter = [0]
    t0 = time.perf_counter()
    deadline = t0 + seconds
    await asyncio.gather(*[_worker(parts.hostname, parts.port, make, deadline, max_requests, result, counter)
                           for _ in range(concurrency)])
    result.seconds = time.perf_counter() - t0
    return result


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]


# --------------------------------------------------------------------------------------------
# Mixed traffic: each request drawn from a weighted mix (bench/load.py)
# --------------------------------------------------------------------------------------------

@dataclass
class MixResult(LoadResult):
    by_kind: dict[str, list[float]] = field(default_factory=dict)  # latencies per kind of request
    kind_statuses: dict[str, dict[int, int]] = field(default_factory=dict)
    transport_errors: int = 0  # connection reset or closed mid-answer (then the client reconnects)


@dataclass(frozen=True)
class MixEntry:
    weight: float
    kind: str
    make: Callable[[int, random.Random], bytes]  # (global request number, this client's rng) -> request


async def _mix_worker(host: str, port: int, mix: list[MixEntry], deadline: float, max_requests: int,
                      result: MixResult, counter: list[int], rng: random.Random, delay: float = 0.0) -> None:
    weights = [m.weight for m in mix]
    await asyncio.sleep(delay)
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline and counter[0] < max_requests:
            counter[0] += 1
            entry = rng.choices(mix, weights)[0]
            data = entry.make(counter[0], rng)
            t0 = time.perf_counter()
            try:
                writer.write(data)
                status, _ = await _read_response(reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                result.transport_errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            ms = (time.perf_counter() - t0) * 1000
            result.latencies_ms.append(ms)
            result.by_kind.setdefault(entry.kind, []).append(ms)
            result.requests += 1
            result.statuses[status] = result.statuses.get(status, 0) + 1
            per_kind = result.kind_statuses.setdefault(entry.kind, {})
            per_kind[status] = per_kind.get(status, 0) + 1
            if status >= 500:
                result.errors += 1
    finally:
        writer.close()


async def run_mix(base_url: str, mix: list[MixEntry], *, concurrency: int, seconds: float,
                  max_requests: int = 10_000_000, seed: int = 1, stagger: float = 0.0) -> MixResult:
    """`concurrency` keep-alive connections, each drawing its requests from `mix` (by weight, with
    its own seeded rng) for `seconds` or until `max_requests` requests in all. `stagger`: seconds
    between two connections being opened (clients do not all connect in the same millisecond; a
    burst of connections is accepted by whichever server worker wakes first, often all of them)."""
    parts = urlsplit(base_url)
    assert parts.hostname in ("127.0.0.1", "localhost", "::1"), "loopback only"
    result = MixResult()
    counter = [0]
    t0 = time.perf_counter()
    deadline = t0 + seconds
    await asyncio.gather(*[_mix_worker(parts.hostname, parts.port, mix, deadline, max_requests, result, counter,
                                       random.Random(seed * 1000 + i), i * stagger) for i in range(concurrency)])
    result.seconds = time.perf_counter() - t0
    return result
