"""API keys: creation, verification and the rules of who may write what (CONTRACT § Users)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlmodel import Session, select

from app.auth.models import ApiKey
from app.core.clock import utcnow
from app.reference.roles import Role

KEY_PREFIX = "pfle"
_HEX8 = re.compile(r"[0-9a-f]{8}")


@dataclass(frozen=True)
class Principal:
    """Who is calling. Built from an API key today; an OIDC identity (ProConnect) can build one too."""

    key_id: int
    role: Role
    name: str
    source: str | None = None
    siret: str | None = None
    organisation: str | None = None
    contact: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def may_write_source(self, source: str) -> bool:
        """Offers of a source: its sync key, the provider publishing as `of-<siret>`, an admin."""
        if self.role is Role.ADMIN:
            return True
        if self.role is Role.SYNC:
            return self.source == source
        if self.role is Role.PROVIDER:
            return self.siret is not None and source == f"of-{self.siret}"
        return False

    def may_manage_session(self, source: str, organisation_siret: str | None) -> bool:
        """Places, prescriptions and entries of a session: its organisation, its source's sync, admin."""
        if self.role is Role.ADMIN:
            return True
        if self.role is Role.SYNC:
            return self.source == source
        if self.role is Role.PROVIDER:
            return self.siret is not None and self.siret == organisation_siret
        return False


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(
    db: Session,
    *,
    role: Role,
    name: str,
    source: str | None = None,
    siret: str | None = None,
    organisation: str | None = None,
    contact: str | None = None,
) -> tuple[ApiKey, str]:
    """Returns the stored row and the key in clear, which is never stored and shown once."""
    if role is Role.SYNC and not source:
        raise ValueError("a sync key needs --source")
    if role is Role.PROVIDER and not (siret and siret.isdigit() and len(siret) == 14):
        raise ValueError("a provider key needs --siret (14 digits)")
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey(prefix=prefix, key_hash=_hash(key), role=role.value, source=source, siret=siret,
                 name=name, organisation=organisation, contact=contact)
    db.add(row)
    db.flush()
    return row, key


def key_prefix(key: str) -> str | None:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or _HEX8.fullmatch(parts[1]) is None:
        return None  # never sent to the database: a NUL byte there is a PostgreSQL error, not a 401
    return parts[1]


def verify_key(db: Session, key: str) -> ApiKey | None:
    """The active key row, or None. The hash comparison is constant-time."""
    prefix = key_prefix(key)
    if prefix is None:
        return None
    row = db.exec(select(ApiKey).where(ApiKey.prefix == prefix)).first()
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.key_hash, _hash(key)):
        return None
    return row


def principal_of(row: ApiKey) -> Principal:
    return Principal(key_id=row.id, role=Role(row.role), name=row.name, source=row.source, siret=row.siret,
                     organisation=row.organisation, contact=row.contact)


def revoke_key(db: Session, prefix_or_id: str) -> ApiKey | None:
    row = db.exec(select(ApiKey).where(ApiKey.prefix == prefix_or_id)).first()
    if row is None and prefix_or_id.isdigit():
        row = db.get(ApiKey, int(prefix_or_id))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        db.add(row)
    return row


def list_keys(db: Session) -> list[ApiKey]:
    return list(db.exec(select(ApiKey).order_by(ApiKey.id)))
