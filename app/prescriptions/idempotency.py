"""`Idempotency-Key` for any write (CONTRACT § Conventions), scoped to (API key, route, key).

    outcome = run_idempotent(database, api_key_id=..., route="POST /v1/prescriptions", key=header,
                             payload=body.model_dump(mode="json"), work=lambda db: (201, {...}))

- The request is identified by the SHA-256 of its canonical JSON body (keys sorted), so the
  same body sent with other spacing or key order is the same request.
- The key is *claimed* inside the write transaction, before the work, by inserting the record:
  a concurrent request with the same key waits on the unique index (PostgreSQL) or on the
  database lock (SQLite) until the first commits, then replays its answer. The work and the
  stored answer commit together, so there is never a stored answer without its effect.
- Only successful answers (2xx) are kept. An error changed nothing (its transaction rolled back):
  retrying with the same key runs the request again.
- Same key, same body → the first answer again (status and body, `Idempotent-Replayed: true`);
  same key, another body → 422.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.auth.models import IdempotencyRecord
from app.core.db import Database
from app.core.problems import Conflict, Unprocessable

HEADER = "Idempotency-Key"
MAX_KEY_LEN = 200


@dataclass(frozen=True)
class Outcome:
    status_code: int
    body: Any
    replayed: bool = False


def request_hash(payload: Any) -> str:
    canon = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canon.encode()).hexdigest()


def check_key(key: str) -> str:
    if not (0 < len(key) <= MAX_KEY_LEN) or not key.isascii() or not key.isprintable():
        raise Unprocessable.at(["header", HEADER],
                               f"Clé d'idempotence invalide : 1 à {MAX_KEY_LEN} caractères ASCII imprimables.")
    return key


def _find(db: Session, api_key_id: int, route: str, key: str) -> IdempotencyRecord | None:
    return db.exec(select(IdempotencyRecord).where(
        IdempotencyRecord.api_key_id == api_key_id, IdempotencyRecord.route == route,
        IdempotencyRecord.idem_key == key)).first()


def _replay(record: IdempotencyRecord, digest: str) -> Outcome:
    if record.request_hash != digest:
        raise Unprocessable(
            "Cette clé d'idempotence a déjà servi pour une autre requête : utilisez une nouvelle clé.",
            slug="idempotency-key-reused",
            errors=[{"loc": ["header", HEADER], "msg": "déjà utilisée avec un autre corps de requête"}])
    return Outcome(record.status_code, json.loads(record.response_body), replayed=True)


def claim(db: Session, *, api_key_id: int, route: str, key: str, digest: str) -> IdempotencyRecord | Outcome:
    """The record to complete after the work, or the first answer to replay."""
    found = _find(db, api_key_id, route, key)
    if found is not None:
        return _replay(found, digest)
    record = IdempotencyRecord(api_key_id=api_key_id, route=route, idem_key=key, request_hash=digest,
                               status_code=0, response_body="")
    try:
        with db.begin_nested():
            db.add(record)
            db.flush()
    except IntegrityError:
        found = _find(db, api_key_id, route, key)  # committed meanwhile by a concurrent request
        if found is None:  # pragma: no cover - the unique index said it exists
            raise Conflict("Requête concurrente avec la même clé d'idempotence : réessayez.") from None
        return _replay(found, digest)
    return record


def complete(db: Session, record: IdempotencyRecord, status_code: int, body: Any) -> None:
    record.status_code = status_code
    record.response_body = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)
    db.add(record)
    db.flush()


def run_idempotent(
    database: Database,
    *,
    api_key_id: int,
    route: str,
    key: str | None,
    payload: Any,
    work: Callable[[Session], tuple[int, Any]],
) -> Outcome:
    """Run `work` in one write transaction, honouring the key when one was sent. `work` returns
    (status, JSON-ready body) or raises a Problem (nothing is kept then)."""
    with database.session(write=True) as db:
        record = None
        if key is not None:
            got = claim(db, api_key_id=api_key_id, route=route, key=check_key(key),
                        digest=request_hash(payload))
            if isinstance(got, Outcome):
                return got
            record = got
        status_code, body = work(db)
        if record is not None:
            if 200 <= status_code < 300:
                complete(db, record, status_code, body)
            else:  # pragma: no cover - work raises for errors
                db.delete(record)
        return Outcome(status_code, body)


def purge_before(db: Session, cutoff: datetime) -> int:
    """Forget answers older than `cutoff` (they carry personal references): retention."""
    return db.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff)).rowcount
