"""Opaque, signed cursors, and the keyset pagination every list uses (`keyset_page`).

A cursor is bound to the query it came from: a forged one, or one used with other filters, is
refused (400). Every list puts its own name in `query` ("list": "offers"), so a cursor of one list
is refused by another (tests/security/test_cursors.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from app.core.problems import BadRequest

MAX_CURSOR_LEN = 1024

Row = TypeVar("Row")


def _query_fingerprint(query: dict[str, Any]) -> str:
    canon = json.dumps({k: v for k, v in sorted(query.items()) if v not in (None, [], "")}, default=str)
    return hashlib.sha256(canon.encode()).hexdigest()[:16]


def encode_cursor(key: bytes, position: list[Any], query: dict[str, Any]) -> str:
    payload = json.dumps({"p": position, "q": _query_fingerprint(query)}, separators=(",", ":"), default=str)
    raw = payload.encode()
    sig = hmac.new(key, raw, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(sig + raw).decode().rstrip("=")


def _invalid() -> BadRequest:
    return BadRequest("Curseur invalide : repartez de la première page.", slug="invalid-cursor",
                      errors=[{"loc": ["query", "cursor"], "msg": "curseur invalide ou d'une autre requête"}])


def decode_cursor(key: bytes, cursor: str, query: dict[str, Any], *,
                  shape: tuple[type, ...] | None = None) -> list[Any]:
    """The position a cursor carries. `shape`: the types of the list's positions, checked (one of
    another shape is refused as a forged cursor is)."""
    invalid = _invalid()
    if len(cursor) > MAX_CURSOR_LEN:
        raise invalid
    try:
        blob = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
    except (ValueError, TypeError):
        raise invalid from None
    sig, raw = blob[:16], blob[16:]
    if len(sig) != 16 or not hmac.compare_digest(sig, hmac.new(key, raw, hashlib.sha256).digest()[:16]):
        raise invalid
    try:
        data = json.loads(raw)
    except ValueError:
        raise invalid from None
    if data.get("q") != _query_fingerprint(query) or not isinstance(data.get("p"), list):
        raise invalid
    position = data["p"]
    if shape is not None and (len(position) != len(shape)
                              or not all(isinstance(v, t) for v, t in zip(position, shape, strict=False))):
        raise invalid
    return position


@dataclass(frozen=True)
class Page(Generic[Row]):
    items: list[Row]
    next_cursor: str | None


def keyset_page(key: bytes, query: dict[str, Any], cursor: str | None, limit: int, *,
                fetch: Callable[[list[Any] | None, int], Sequence[Row]],
                position: Callable[[Row], list[Any]],
                shape: tuple[type, ...] | None = None) -> Page[Row]:
    """One page of a list read in keyset order (never OFFSET: a page costs the same at any depth).

    `fetch(after, n)` reads at most `n` rows of the list in its order, after the position `after`
    (None: from the start); `position(row)` is a row's position, a list of JSON values that `fetch`
    gets back for the next page; `shape`: the types of a position (see `decode_cursor`). One row
    more than `limit` is read to know whether a next page exists."""
    after = decode_cursor(key, cursor, query, shape=shape) if cursor else None
    rows = list(fetch(after, limit + 1))
    items = rows[:limit]
    more = len(rows) > limit and bool(items)
    return Page(items, encode_cursor(key, position(items[-1]), query) if more else None)
