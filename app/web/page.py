"""The adviser page (`GET /`) and its static files (`/static/...`), outside the API schema.

Plain files, no build step: `static/index.html`, hand-written ES modules and CSS, and the few
DSFR files copied by `app.web.vendor_dsfr`. Every answer here carries a strict
Content-Security-Policy: only this origin, no inline script or style, no framing.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

STATIC_DIR = Path(__file__).resolve().parent / "static"

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
])
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}

router = APIRouter(include_in_schema=False)


class _StaticFiles(StaticFiles):
    """Static files with the page's security headers; revalidated each time (ETag), never stale."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(PAGE_HEADERS)
        response.headers.setdefault("Cache-Control", "no-cache")
        return response


class _Gzip:
    """gzip for the static files only (the DSFR stylesheets shrink most: docs/adviser-page.md); the API
    is left as it is."""

    def __init__(self, app: StaticFiles) -> None:
        self.app = GZipMiddleware(app, minimum_size=1024)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def _index() -> bytes:
    return (STATIC_DIR / "index.html").read_bytes()


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
def adviser_page() -> HTMLResponse:
    """The adviser page, in French."""
    return HTMLResponse(_index(), headers={**PAGE_HEADERS, "Cache-Control": "no-cache"})


router.mount("/static", _Gzip(_StaticFiles(directory=STATIC_DIR)), name="static")
