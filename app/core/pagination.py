"""Opaque, signed keyset cursors. A cursor is bound to the query it came from: a forged one, or one
used with other filters, is refused (400). Every list puts its own name in `query` ("list":
"offers"), so a cursor of one list is refused by another (tests/security/test_cursors.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from app.core.problems import BadRequest

MAX_CURSOR_LEN = 1024


def _query_fingerprint(query: dict[str, Any]) -> str:
    canon = json.dumps({k: v for k, v in sorted(query.items()) if v not in (None, [], "")}, default=str)
    return hashlib.sha256(canon.encode()).hexdigest()[:16]


def encode_cursor(key: bytes, position: list[Any], query: dict[str, Any]) -> str:
    payload = json.dumps({"p": position, "q": _query_fingerprint(query)}, separators=(",", ":"), default=str)
    raw = payload.encode()
    sig = hmac.new(key, raw, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(sig + raw).decode().rstrip("=")


def decode_cursor(key: bytes, cursor: str, query: dict[str, Any]) -> list[Any]:
    invalid = BadRequest("Curseur invalide : repartez de la première page.", slug="invalid-cursor",
                         errors=[{"loc": ["query", "cursor"], "msg": "curseur invalide ou d'une autre requête"}])
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
    return data["p"]
