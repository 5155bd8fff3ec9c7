"""Input no route should ever see: NUL characters and invalid UTF-8 (ASGI middleware).

PostgreSQL refuses NUL (U+0000) in text, so a NUL in a free-text field (an offer title, a note, a
refusal reason, the `code` query) was a 500 there — and stored as-is on SQLite. One guard for every
route, present and future, rather than a validator on each string field:

- the query string: a `%00` (or a raw NUL byte) → 422; bytes that are not UTF-8 once
  percent-decoded → 400 (they would otherwise reach the app as U+FFFD);
- a JSON body (no content type, `application/json`, `…+json`): the escape `\\u0000` inside a string
  → 422 (a raw NUL byte is already invalid JSON). The body is scanned as it streams in, at memory
  speed, so the route sees it unchanged; other bodies (LHÉO XML, gzip) are left alone.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, unquote_to_bytes

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.problems import TITLES, Problem

_ESCAPED_NUL = b"u0000"
_KEEP = 64  # bytes of the previous chunk kept to see an escape (and its backslashes) split across chunks


class _Refused(Problem, HTTPException):
    """A Problem (the app's handler answers it as problem+json with `errors`) that is also an
    HTTPException, which FastAPI lets through when it comes out of reading the body."""

    def __init__(self, status: int, detail: str, loc: list[str], msg: str) -> None:
        Problem.__init__(self, detail, errors=[{"loc": loc, "msg": msg}])
        self.status = self.status_code = status
        self.title = TITLES[status]
        if status == 422:
            self.slug = "validation-error"


def _check_query(raw: bytes) -> None:
    if not raw:
        return
    if b"%00" in raw or b"\x00" in raw:
        names = [k for k, v in parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
                 if "\x00" in k or "\x00" in v]
        raise _Refused(422, "Caractère NUL (U+0000) interdit dans la requête.", ["query", *names[:1]],
                       "caractère NUL (U+0000) interdit")
    try:
        unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise _Refused(400, "Paramètres de requête illisibles : ils ne sont pas en UTF-8.", ["query"],
                       "UTF-8 invalide") from None


def has_escaped_nul(data: bytes) -> bool:
    """Whether `data` (JSON text) holds the escape \\u0000: a `u0000` after an odd run of backslashes."""
    start = 0
    while (i := data.find(_ESCAPED_NUL, start)) != -1:
        run = 0
        while i - run - 1 >= 0 and data[i - run - 1] == 0x5C:  # backslash
            run += 1
        if run % 2 == 1:
            return True
        start = i + 1
    return False


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers") or []:
        if name == b"content-type":
            media, _, _ = value.partition(b";")
            media = media.strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return True  # FastAPI reads a body without a content type as JSON


class InputGuardMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            _check_query(scope.get("query_string") or b"")
        except _Refused as refused:
            await _refuse(send, refused)
            return
        if scope["method"] in {"GET", "HEAD", "OPTIONS"} or not _is_json(scope):
            await self.app(scope, receive, send)
            return

        tail = b""
        started = False

        async def scanning_receive() -> Message:
            nonlocal tail
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                if chunk and has_escaped_nul(tail + chunk):
                    raise _Refused(422, "Caractère NUL (U+0000) interdit dans le corps de la requête.",
                                   ["body"], "caractère NUL (U+0000) interdit")
                tail = (tail + chunk)[-_KEEP:]
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, scanning_receive, tracking_send)
        except _Refused as refused:
            if started:
                raise
            await _refuse(send, refused)


async def _refuse(send: Send, refused: _Refused) -> None:
    body = json.dumps(refused.body(), ensure_ascii=False, separators=(",", ":")).encode()
    await send({"type": "http.response.start", "status": refused.status,
                "headers": [(b"content-type", b"application/problem+json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
