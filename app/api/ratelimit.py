"""Abuse limits: per API key on match, search, suggest and every write; per client address for
requests without a valid key. Declared once, as an app-wide dependency (`rate_limit`).

Algorithm: GCRA, i.e. a token bucket of N requests refilled continuously at N per minute (at most
N at once, N a minute sustained), stored as one number per bucket — its "theoretical arrival
time" (app/core/rate_buckets.py). A refused request costs nothing and gets 429 problem+json with
`Retry-After`.

Where the buckets live, so that `--workers 4` does not give a key four times its rate:
- on PostgreSQL, in the deployment's database (an UNLOGGED table, `PostgresBuckets`): one budget
  for every worker of every host behind the balancer, one round trip a decision;
- on SQLite (one host), in a small SQLite file shared by the host's workers (`RATE_LIMIT_FILE`,
  default in the temporary directory, one per DATABASE_URL), never in the catalogue file: a
  decision never waits for the catalogue's write lock. Setting `RATE_LIMIT_FILE` on PostgreSQL
  keeps per-host counting (each host counts alone).
One decision is one `INSERT … ON CONFLICT DO UPDATE … RETURNING` either way (SECURITY.md and
docs/trust.md have the measurements). If the store cannot be used the process falls back to
buckets in its own memory (logged once a minute) rather than refusing service.
"""

from __future__ import annotations

import ipaddress
import logging
import time

from fastapi import FastAPI, Request

from app.api.deps import caller
from app.api.openapi_doc import api_routes
from app.core.problems import Problem
from app.core.rate_buckets import (
    STORE_ERRORS,
    WINDOW_SECONDS,
    MemoryBuckets,
    PostgresBuckets,
    SharedBuckets,
    default_file,
)
from app.core.settings import Settings
from app.reference.roles import Role

log = logging.getLogger("parcours_fle.ratelimit")

EXEMPT_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
KEYED_READS = frozenset({"/v1/match", "/v1/search", "/v1/suggest"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
STORE_RETRY_SECONDS = 5.0  # after a store failure, count in memory this long before trying it again

RESPONSE_429 = {
    "description": "Too many requests for this key (or, without a key, this client address): retry after "
                   "`Retry-After` seconds (problem+json)",
    "headers": {"Retry-After": {"description": "Seconds before a request is accepted again",
                                "schema": {"type": "integer"}}},
    "content": {"application/problem+json": {}},
}


class TooManyRequests(Problem, status=429, slug="too-many-requests"):
    """A bucket is empty: retry after `Retry-After` seconds."""


class Limiter:
    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limit_enabled
        self.per_key = settings.rate_limit_per_minute
        self.per_sync_key = settings.rate_limit_sync_per_minute
        self.per_address = settings.rate_limit_anon_per_minute
        self.store = _store(settings)
        self._fallback: MemoryBuckets | None = None
        self._store_down_until = 0.0
        self._warned = 0.0

    def check(self, bucket: str, per_minute: int) -> None:
        """Counts one request in `bucket`; raises 429 when the bucket is empty."""
        now = time.time()
        try:
            if now < self._store_down_until:  # not a connect timeout on every request meanwhile
                raise OSError("store down")
            decision = self.store.hit(bucket, per_minute, now)
        except STORE_ERRORS as exc:
            if now - self._warned > WINDOW_SECONDS:
                log.warning("rate limit store unusable, per-process buckets for now: %s", type(exc).__name__)
                self._warned = now
            if now >= self._store_down_until:
                self._store_down_until = now + STORE_RETRY_SECONDS
            self._fallback = self._fallback or MemoryBuckets()
            decision = self._fallback.hit(bucket, per_minute, now)
        if not decision.allowed:
            raise TooManyRequests(
                f"Trop de requêtes : limite de {per_minute} par minute atteinte. "
                f"Réessayez dans {decision.retry_after} s.",
                headers={"Retry-After": str(decision.retry_after)},
                extra={"retry_after": decision.retry_after})

    def close(self) -> None:
        if not isinstance(self.store, MemoryBuckets):
            self.store.close()


def _store(settings: Settings) -> MemoryBuckets | SharedBuckets | PostgresBuckets:
    """PostgreSQL: the deployment's database, unless RATE_LIMIT_FILE asks for per-host counting;
    SQLite: the host's shared file (memory for an in-memory database, which is one process)."""
    if settings.rate_limit_file is not None:
        return SharedBuckets(settings.rate_limit_file)
    if settings.database_url.startswith("postgresql"):
        return PostgresBuckets(settings.database_url)
    if settings.database_url in {"sqlite://", "sqlite:///:memory:"}:
        return MemoryBuckets()
    return SharedBuckets(default_file(settings))


def client_bucket(request: Request) -> str:
    """The client address (already the forwarded one when the peer is a TRUSTED_PROXIES proxy);
    IPv6 clients are counted per /64, the block one subscriber usually holds."""
    host = request.client.host if request.client else ""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return f"a:{host[:64] or 'unknown'}"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return f"a:{ip.ipv4_mapped}"
        return f"a:{ipaddress.ip_network(f'{ip}/64', strict=False)}"
    return f"a:{ip}"


def rate_limit(request: Request) -> None:
    """App-wide dependency: runs before every route's own dependencies and parameters."""
    limiter: Limiter = request.app.state.limiter
    if not limiter.enabled:
        return
    route = getattr(request.scope.get("route"), "path", "")
    if route in EXEMPT_ROUTES:
        return
    try:
        principal = caller(request)
    except Problem:  # a wrong or revoked key is refused (401), and counted against the address
        limiter.check(client_bucket(request), limiter.per_address)
        raise
    if principal is None:
        limiter.check(client_bucket(request), limiter.per_address)
    elif request.method in WRITE_METHODS or route in KEYED_READS:
        per_minute = limiter.per_sync_key if principal.role is Role.SYNC else limiter.per_key
        limiter.check(f"k:{principal.key_id}", per_minute)


def install(app: FastAPI, settings: Settings) -> None:
    """The limiter's state, and its 429 documented on every limited route. The dependency itself
    is given to `FastAPI(dependencies=[Depends(rate_limit)])`."""
    app.state.limiter = Limiter(settings)
    for route in api_routes(app.routes):
        if route.path not in EXEMPT_ROUTES and route.include_in_schema:
            route.responses.setdefault(429, RESPONSE_429)

