"""`If-Match` against an `ETag` (CONTRACT § Conventions): one rule for every record that can change."""

from __future__ import annotations

from app.core.problems import PreconditionFailed


def check_if_match(if_match: str | None, etag: str, what: str = "La ressource") -> None:
    """412 when `If-Match` is given and names neither the current ETag nor `*`."""
    if if_match is None:
        return
    candidates = {t.strip() for t in if_match.split(",")}
    if "*" not in candidates and etag not in candidates and f"W/{etag}" not in candidates:
        raise PreconditionFailed(f"{what} a changé depuis votre lecture : relisez-la puis réessayez.",
                                 extra={"current_etag": etag})
