"""JSON logs with a request id, Prometheus metrics, request size limits and security headers.

Logs never carry request bodies, query strings, keys or personal fields: only method, route
template, status, duration and the request id."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.problems import PROBLEM_BASE, TITLES

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,100}$")


class JsonFormatter(logging.Formatter):
    FIELDS = ("method", "route", "status", "duration_ms", "path", "event", "count", "source", "pid")

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = request_id_var.get()
        if rid:
            out["request_id"] = rid
        for f in self.FIELDS:
            if hasattr(record, f):
                out[f] = getattr(record, f)
        if record.exc_info:
            out["exc"] = _scrub(self.formatException(record.exc_info))
        return json.dumps(out, ensure_ascii=False)


# PostgreSQL puts row values in an error's DETAIL ("Key (session_id, jobseeker_ref)=(4, FT-…) already
# exists", "Failing row contains (…)"); bound parameters are already hidden by the engine.
_DETAIL = re.compile(r"^(\s*DETAIL:).*$", re.MULTILINE)


def _scrub(text: str) -> str:
    return _DETAIL.sub(r"\1 (masqué)", text)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("parcours_fle")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("http_requests_total", "HTTP requests", ["method", "route", "status"],
                                registry=self.registry)
        self.latency = Histogram("http_request_duration_seconds", "HTTP request latency", ["method", "route"],
                                 registry=self.registry,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


class RequestContextMiddleware:
    """Request id in and out, access log, metrics, security headers, body size limit (413)."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, max_body: int, max_import_body: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body
        self.max_import_body = max_import_body
        self.log = logging.getLogger("parcours_fle.access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        rid = _request_id(headers)
        token = request_id_var.set(rid)
        limit = self.max_import_body if scope["path"].startswith("/v1/imports") else self.max_body
        started = time.perf_counter()
        status_holder: dict[str, Any] = {"status": 500, "started": False}

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = True
                message["headers"] = _answer_headers(message, rid, https=scope.get("scheme") == "https")
            await send(message)

        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send_wrapper, limit)
            self._record(scope, 413, started)
            request_id_var.reset(token)
            return

        try:
            await self.app(scope, limited_receive, send_wrapper)
        except BodyTooLarge:
            await _too_large(send_wrapper, limit)
            status_holder["status"] = 413
        except Exception:
            # Answered here rather than by Starlette's outermost handler, so a 500 too carries the
            # request id and the security headers, and its log line the request id.
            if status_holder["started"]:
                raise
            logging.getLogger("parcours_fle.errors").exception("unhandled error",
                                                               extra={"path": scope["path"]})
            await _problem(send_wrapper, 500, "Erreur interne : l'incident est journalisé.", "500")
        finally:
            self._record(scope, status_holder["status"], started)
            request_id_var.reset(token)

    def _record(self, scope: Scope, status: int, started: float) -> None:
        elapsed = time.perf_counter() - started
        route = _route_template(scope)
        self.metrics.requests.labels(scope["method"], route, str(status)).inc()
        self.metrics.latency.labels(scope["method"], route).observe(elapsed)
        self.log.info("request", extra={"method": scope["method"], "route": route, "status": status,
                                        "duration_ms": round(elapsed * 1000, 2)})


def _request_id(headers: dict[bytes, bytes]) -> str:
    """The client's X-Request-Id when it is a safe token, else a new one."""
    rid = headers.get(b"x-request-id", b"").decode("latin-1")
    return rid if _SAFE_REQUEST_ID.match(rid) else uuid.uuid4().hex


def _answer_headers(start: Message, rid: str, *, https: bool) -> list[tuple[bytes, bytes]]:
    """Every answer's headers (413 and 500 from the middleware included) plus the request id and the
    security headers. HSTS only over TLS: `scheme` is https when uvicorn terminated TLS or a
    TRUSTED_PROXIES proxy said X-Forwarded-Proto: https."""
    hdrs = list(start.get("headers") or [])
    hdrs.append((b"x-request-id", rid.encode()))
    hdrs.append((b"x-content-type-options", b"nosniff"))
    hdrs.append((b"referrer-policy", b"no-referrer"))
    if https:
        hdrs.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return hdrs


class BodyTooLarge(StarletteHTTPException):
    """Raised while the body streams in; an HTTPException so FastAPI's body parsing lets it through."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Le corps de la requête dépasse {limit} octets.")
        self.limit = limit


async def _too_large(send: Send, limit: int) -> None:
    await _problem(send, 413, f"Le corps de la requête dépasse {limit} octets.", "payload-too-large")


async def _problem(send: Send, status: int, detail: str, slug: str) -> None:
    """A problem+json answer sent by the middleware itself (`send` adds the common headers)."""
    body = json.dumps({"type": PROBLEM_BASE + slug, "title": TITLES[status],
                       "status": status, "detail": detail}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/problem+json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
