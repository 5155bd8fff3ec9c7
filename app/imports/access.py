"""Who may import a source, list runs and read an offer's raw fragment: decided here, once.

Roles are declared on the routes (`Access`); what depends on the resource (the source a key may
write) is checked here, so the HTTP API and any later caller apply the same rule."""

from __future__ import annotations

from sqlmodel import Session

from app.auth.keys import Principal
from app.core.pagination import Page, keyset_page
from app.core.problems import Forbidden, NotFound
from app.imports import repository
from app.imports.models import ImportRun
from app.imports.repository import RawSource


def check_may_import(principal: Principal, source: str) -> None:
    if not principal.may_write_source(source):
        raise Forbidden(f"Cette clé ne peut pas importer d'offres pour la source « {source} ».")


def runs_page(db: Session, cursor_key: bytes, *, source: str | None, cursor: str | None,
              limit: int) -> Page[ImportRun]:
    """Runs, most recent first, one keyset page."""
    return keyset_page(
        cursor_key, {"source": source, "list": "imports"}, cursor, limit,
        fetch=lambda after, n: repository.list_runs(db, source=source, before=after[0] if after else None, limit=n),
        position=lambda run: [run.id], shape=(int,))


def run(db: Session, import_id: int) -> ImportRun:
    found = repository.run_by_id(db, import_id)
    if found is None:
        raise NotFound(f"Aucun import n°{import_id}.")
    return found


def raw_source_for(db: Session, principal: Principal, offer_id: int) -> RawSource:
    """The raw fragment an offer was imported from, if this key may read it."""
    row = repository.raw_source(db, offer_id)
    if row is None or row.change_seq < 0:  # change_seq < 0: staged by an import, not published yet
        raise NotFound(f"Aucune offre n°{offer_id}.")
    if not principal.may_write_source(row.source):
        raise Forbidden("Seuls un administrateur et la clé de synchronisation de la source de cette offre "
                        "peuvent lire sa source.")
    if row.raw is None:
        raise NotFound(f"L'offre n°{offer_id} n'a pas de source brute : elle a été publiée par l'API, pas importée.")
    return row
