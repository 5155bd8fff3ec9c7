"""All catalogue SQL: reads that build API objects in a few batched queries, and writes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from pydantic import TypeAdapter
from sqlalchemy import JSON, Table, and_, bindparam, delete, exists, func, insert, or_, text, update
from sqlmodel import Session, select

from app.catalogue.models import (
    Offer,
    OfferFunder,
    OfferPublic,
    OfferSector,
    Organisation,
    TrainingSession,
)
from app.catalogue.rows import LOCATION_KEYS
from app.catalogue.schemas import Location, OfferOut, SessionOut, WithdrawnMarker
from app.catalogue.stamps import change_horizon
from app.reference.levels import Level


def offer_by_key(db: Session, source: str, external_id: str) -> Offer | None:
    return db.exec(select(Offer).where(Offer.source == source, Offer.external_id == external_id)).first()


def offer_by_id(db: Session, offer_id: int) -> Offer | None:
    return db.get(Offer, offer_id)


def organisation_siret(db: Session, organisation_id: int) -> str | None:
    org = db.get(Organisation, organisation_id)
    return org.siret if org else None


def session_by_id(db: Session, session_id: int) -> TrainingSession | None:
    return db.get(TrainingSession, session_id)


def lock_session_and_offer(db: Session, session_id: int) -> tuple[TrainingSession | None, Offer | None]:
    """A session and its offer, row-locked in the order every writer follows (PostgreSQL): the
    offer first, then the session (app/prescriptions/repository.py). FOR NO KEY UPDATE, the lock an
    UPDATE takes: inserting a session of the offer elsewhere (a foreign-key check) does not wait."""
    offer_id = select(TrainingSession.offer_id).where(TrainingSession.id == session_id).scalar_subquery()
    offer = db.exec(select(Offer).where(Offer.id == offer_id).with_for_update(key_share=True)
                    .execution_options(populate_existing=True)).first()
    if offer is None:
        return None, None
    row = db.exec(select(TrainingSession).where(TrainingSession.id == session_id).with_for_update(key_share=True)
                  .execution_options(populate_existing=True)).first()
    return row, offer


# --- bulk writes (one code path for PUT and imports) -------------------------------------------

_OFFER = Offer.__table__
_SESSION = TrainingSession.__table__
_CHUNK = 500  # bound parameters per IN (...) list


def _chunks(seq: Sequence, n: int = _CHUNK) -> Iterable[Sequence]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


@dataclass(frozen=True)
class OfferHead:
    id: int
    content_hash: str
    withdrawn_at: datetime | None


def offer_heads(db: Session, source: str, external_ids: Sequence[str]) -> dict[str, OfferHead]:
    out: dict[str, OfferHead] = {}
    for chunk in _chunks(list(external_ids)):
        stmt = select(_OFFER.c.external_id, _OFFER.c.id, _OFFER.c.content_hash, _OFFER.c.withdrawn_at).where(
            _OFFER.c.source == source, _OFFER.c.external_id.in_(chunk))
        for ext, oid, digest, withdrawn in db.execute(stmt):
            out[ext] = OfferHead(oid, digest, withdrawn)
    return out


def source_offer_heads(db: Session, source: str) -> dict[str, OfferHead]:
    """Every offer of a source (imports compare hashes and find what a full feed no longer has)."""
    stmt = select(_OFFER.c.external_id, _OFFER.c.id, _OFFER.c.content_hash, _OFFER.c.withdrawn_at).where(
        _OFFER.c.source == source)
    return {ext: OfferHead(oid, digest, withdrawn) for ext, oid, digest, withdrawn in db.execute(stmt)}


def organisations_for(db: Session, pairs: Sequence[tuple[str, str | None]], *,
                      renamed: dict[int, str] | None = None) -> dict[tuple[str, str | None], int]:
    """Organisation ids for (name, siret) pairs, creating the missing ones (one INSERT for all); a
    SIRET's name is refreshed (the last name given for it wins). `renamed` receives the previous name
    of each organisation renamed (the first one recorded is kept: an import restores it if it fails)."""
    wanted = list(dict.fromkeys(pairs))
    last_name = {siret: name for name, siret in wanted if siret}
    names = sorted({name for name, siret in wanted if not siret})
    by_siret: dict[str, tuple[int, str]] = {}
    by_name: dict[str, int] = {}

    def read(sirets: Sequence[str], without_siret: Sequence[str]) -> None:
        conn = db.connection()
        for chunk in _chunks(sorted(sirets)):
            for oid, name, siret in conn.execute(
                    select(_ORG.c.id, _ORG.c.name, _ORG.c.siret).where(_ORG.c.siret.in_(chunk))):
                by_siret[siret] = (oid, name)
        for chunk in _chunks(without_siret):
            for oid, name in conn.execute(select(_ORG.c.id, _ORG.c.name).where(
                    _ORG.c.siret.is_(None), _ORG.c.name.in_(chunk)).order_by(_ORG.c.id)):
                by_name[name] = oid  # two organisations of that name and no SIRET: the newest

    read(list(last_name), names)
    create = [{"name": name, "siret": siret} for siret, name in last_name.items() if siret not in by_siret]
    create += [{"name": name, "siret": None} for name in names if name not in by_name]
    if create:  # one executemany, ids read back by key (RETURNING would take Core's per-row path)
        bulk_insert(db, _ORG, create)
        read([c["siret"] for c in create if c["siret"]], [c["name"] for c in create if not c["siret"]])
    for oid, name, before in sorted((by_siret[siret][0], name, by_siret[siret][1]) for siret, name in last_name.items()
                                    if by_siret[siret][1] != name):  # in id order: two writers never deadlock
        if renamed is not None:
            renamed.setdefault(oid, before)
        db.execute(update(_ORG).where(_ORG.c.id == oid).values(name=name))
    return {(name, siret): by_siret[siret][0] if siret else by_name[name] for name, siret in wanted}


def bulk_insert(db: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT many rows at driver level: one statement text, one `executemany` per set of columns.

    Core's executemany prepares each row's parameters in Python, which costs more than SQLite's own
    work on big batches. Here each value still goes through its column's bind processor (timestamps,
    JSON, booleans), so the rows stored are exactly those a Core insert stores; processed values of
    hashable types are memoised per batch (a batch repeats the same few timestamps and dates)."""
    if not rows:
        return
    conn = db.connection()
    dialect = conn.dialect
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[tuple(row)].append(row)
    for cols, group in groups.items():
        compiled = insert(table).compile(dialect=dialect, column_keys=list(cols))
        if compiled.positional:
            order = [compiled.binds[name].key for name in compiled.positiontup]
        else:
            order = list(cols)
        # _cached_bind_processor: the dialect-level processor SQLAlchemy itself applies (e.g. SQLite's
        # date and datetime formats), which the public TypeEngine.bind_processor does not resolve.
        values = [list(map(row.__getitem__, order)) for row in group]
        for i, c in enumerate(order):
            proc = table.c[c].type._cached_bind_processor(dialect)
            if proc is not None:
                _process_column(values, i, proc, memo=not isinstance(table.c[c].type, JSON))
        if compiled.positional:
            params: list[Any] = [tuple(v) for v in values]
        else:
            names = {b.key: name for name, b in compiled.binds.items()}
            keys = [names[c] for c in order]
            params = [dict(zip(keys, v, strict=True)) for v in values]
        conn.exec_driver_sql(compiled.string, params)


def _process_column(values: list[list[Any]], i: int, proc: Any, *, memo: bool) -> None:
    """Column `i` of every row through its bind processor, each distinct value once. Scalars: None
    stays None (what every processor but JSON's returns for it), keyed by type too so 1 and True, or
    equal instants in two time zones, stay apart. JSON (`memo` False): lists of codes keyed by their
    content; anything else (schedules) processed as is."""
    cache: dict[Any, Any] = {}
    key_of = _scalar_key if memo else _json_key
    for v in values:
        x = v[i]
        if x is None and memo:
            continue
        key = key_of(x)
        if key is None:
            v[i] = proc(x)
            continue
        out = cache.get(key)
        if out is None:
            out = cache[key] = proc(x)
        v[i] = out


def _scalar_key(x: Any) -> Any:
    return (x.__class__, x)


def _json_key(x: Any) -> Any:
    """A list of plain strings (codes) as a hashable key, or None (not memoised)."""
    if x.__class__ is list and all(e.__class__ is str for e in x):
        return tuple(x)
    return None


def insert_offers(db: Session, source: str, rows: list[dict]) -> dict[str, int]:
    """Insert new offers of `source`; their ids by external id (read back by key: no RETURNING,
    which would take the slow per-row path)."""
    if not rows:
        return {}
    bulk_insert(db, _OFFER, rows)
    return offer_ids(db, source, [r["external_id"] for r in rows])


def offer_ids(db: Session, source: str, external_ids: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for chunk in _chunks(list(external_ids)):
        out.update(db.execute(select(_OFFER.c.external_id, _OFFER.c.id).where(
            _OFFER.c.source == source, _OFFER.c.external_id.in_(chunk))).all())
    return out


def update_offers(db: Session, updates: list[tuple[int, dict]]) -> None:
    _update_by_id(db, _OFFER, updates)


def _update_by_id(db: Session, table, updates: list[tuple[int, dict]]) -> None:
    """executemany UPDATE … WHERE id = :_id, grouped by the set of columns written."""
    groups: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    for row_id, values in updates:
        groups[tuple(sorted(values))].append({**{f"v_{k}": v for k, v in values.items()}, "_id": row_id})
    for cols, params in groups.items():
        stmt = update(table).where(table.c.id == bindparam("_id")).values({c: bindparam(f"v_{c}") for c in cols})
        db.connection().execute(stmt, params)


def replace_links_many(db: Session, links: list[tuple[int, Sequence[str], Sequence[str], Sequence[str],
                                                            Sequence[str]]], *, fresh: set[int] | None = None) -> None:
    """Funders, sectors, publics and audience of these offers (`fresh`: offers just created, which have none)."""
    ids = [x[0] for x in links if not fresh or x[0] not in fresh]
    for model in (OfferFunder, OfferSector, OfferPublic):
        for chunk in _chunks(ids):
            db.execute(delete(model).where(model.offer_id.in_(chunk)))
    funders = [{"offer_id": i, "funder": f} for i, fs, _, _, _ in links for f in fs]
    sectors = [{"offer_id": i, "sector": x} for i, _, xs, _, _ in links for x in xs]
    publics = [{"offer_id": i, "role": "publics", "public": p} for i, _, _, ps, _ in links for p in ps]
    publics += [{"offer_id": i, "role": "audience", "public": p} for i, _, _, _, ps in links for p in ps]
    for model, rows in ((OfferFunder, funders), (OfferSector, sectors), (OfferPublic, publics)):
        bulk_insert(db, model.__table__, rows)


def replace_links(db: Session, offer_id: int, funders: Sequence[str], sectors: Sequence[str],
                  publics: Sequence[str], audience: Sequence[str]) -> None:
    replace_links_many(db, [(offer_id, funders, sectors, publics, audience)])


@dataclass(frozen=True)
class SessionHead:
    id: int
    places_stated: int | None
    places_available: int | None
    places_updated_at: datetime | None
    version: int
    withdrawn_at: datetime | None


def session_heads(db: Session, offer_ids: Sequence[int]) -> dict[int, dict[str, SessionHead]]:
    out: dict[int, dict[str, SessionHead]] = defaultdict(dict)
    cols = (_SESSION.c.offer_id, _SESSION.c.external_id, _SESSION.c.id, _SESSION.c.places_stated,
            _SESSION.c.places_available, _SESSION.c.places_updated_at, _SESSION.c.version, _SESSION.c.withdrawn_at)
    for chunk in _chunks(list(offer_ids)):
        for oid, ext, *rest in db.execute(select(*cols).where(_SESSION.c.offer_id.in_(chunk))):
            out[oid][ext] = SessionHead(*rest)
    return out


def insert_sessions(db: Session, rows: list[dict]) -> None:
    bulk_insert(db, _SESSION, rows)


def update_sessions(db: Session, updates: list[tuple[int, dict]]) -> None:
    _update_by_id(db, _SESSION, updates)


def withdraw_sessions(db: Session, ids: Sequence[int], now: datetime, seq: int) -> None:
    for chunk in _chunks(list(ids)):
        db.execute(update(_SESSION).where(_SESSION.c.id.in_(chunk)).values(
            withdrawn_at=now, updated_at=now, change_seq=seq, version=_SESSION.c.version + 1))


def withdraw_offers(db: Session, ids: Sequence[int], now: datetime, seq: int) -> None:
    for chunk in _chunks(list(ids)):
        db.execute(update(_OFFER).where(_OFFER.c.id.in_(chunk), _OFFER.c.withdrawn_at.is_(None)).values(
            withdrawn_at=now, updated_at=now, change_seq=seq))


# --- reads -------------------------------------------------------------------------------------


def location_from(values: dict) -> dict | None:
    """A session's location from its flat columns; None when nothing locates it (remote, unknown)."""
    loc = {k: values[k] for k in LOCATION_KEYS}
    located = loc["insee"] is not None or loc["postcode"] is not None or loc["lat"] is not None or loc["address"]
    return loc if located else None


def _location_of(s: TrainingSession) -> Location | None:
    loc = location_from({k: getattr(s, k) for k in LOCATION_KEYS})
    return Location(**loc) if loc else None


def session_out(s: TrainingSession) -> SessionOut:
    return SessionOut(
        id=s.id, offer_id=s.offer_id, external_id=s.external_id, start_date=s.start_date, end_date=s.end_date,
        start_precision=s.start_precision, end_precision=s.end_precision, rolling_entry=s.rolling_entry,
        schedule=s.schedule, location=_location_of(s), capacity=s.capacity,
        places_available=s.places_available, places_updated_at=s.places_updated_at,
        funded_places=s.funded_places, status=s.status,
    )


_OFFER_OUT = TypeAdapter(list[OfferOut])
_ORG = Organisation.__table__
_OFFER_READ = [_OFFER.c[c] for c in (
    "id", "source", "external_id", "formation_id", "title", "summary", "kind", "entry_min", "entry_max",
    "target_level", "literacy_accepted", "rome_codes", "formacodes", "modality", "hours_total", "hours_per_week",
    "childcare", "cost_to_learner", "certification", "created_at", "updated_at", "source_updated_at", "quality",
    "withdrawn_at")] + [_ORG.c.name.label("org_name"), _ORG.c.siret.label("org_siret")]
_SESSION_READ = [_SESSION.c[c] for c in (
    "id", "offer_id", "external_id", "start_date", "end_date", "start_precision", "end_precision", "rolling_entry",
    "schedule", "address", "postcode", "insee", "city", "departement", "region", "lat", "lon", "capacity",
    "places_available", "places_updated_at", "funded_places", "status")]


def _session_dict(r) -> dict:
    d = dict(r)
    d["location"] = location_from(d)
    for k in LOCATION_KEYS:
        del d[k]
    return d


def _offer_dicts(db: Session, ids: list[int], *, with_hash: bool = False) -> list[dict]:
    """Offers (with their live sessions) as plain dicts in the order of `ids`, with their
    `content_hash` (the ETag's) when asked: five Core queries. Search and match pages never ask."""
    columns = [*_OFFER_READ, _OFFER.c.content_hash] if with_hash else _OFFER_READ
    offers = {r["id"]: dict(r) for r in db.execute(
        select(*columns).join(_ORG, _ORG.c.id == _OFFER.c.organisation_id).where(_OFFER.c.id.in_(ids))).mappings()}
    for o in offers.values():
        o.update(funders=[], sectors=[], publics=[], audience=[], sessions=[])
    for oid, f in db.execute(select(OfferFunder.offer_id, OfferFunder.funder).where(OfferFunder.offer_id.in_(ids))):
        offers[oid]["funders"].append(f)
    for oid, x in db.execute(select(OfferSector.offer_id, OfferSector.sector).where(OfferSector.offer_id.in_(ids))):
        offers[oid]["sectors"].append(x)
    for oid, role, p in db.execute(
        select(OfferPublic.offer_id, OfferPublic.role, OfferPublic.public).where(OfferPublic.offer_id.in_(ids))
    ):
        offers[oid][role].append(p)
    for r in db.execute(
        select(*_SESSION_READ).where(_SESSION.c.offer_id.in_(ids), _SESSION.c.withdrawn_at.is_(None))
        .order_by(_SESSION.c.offer_id, _SESSION.c.start_date, _SESSION.c.id)
    ).mappings():
        offers[r["offer_id"]]["sessions"].append(_session_dict(r))
    out = []
    for oid in ids:
        o = offers.get(oid)
        if o is None:
            continue
        o["organisation"] = {"name": o.pop("org_name"), "siret": o.pop("org_siret")}
        o["entry_level"] = {"min": o.pop("entry_min"), "max": o.pop("entry_max")}
        o["withdrawn"] = o.pop("withdrawn_at") is not None
        for key in ("funders", "sectors", "publics", "audience"):
            o[key].sort()
        out.append(o)
    return out


def load_offers_out(db: Session, offer_ids: Sequence[int]) -> list[OfferOut]:
    """Whole offers (with their live sessions) in the order of `offer_ids`, in one validation pass
    (this is on the hot path of match and search)."""
    if not offer_ids:
        return []
    return _OFFER_OUT.validate_python(_offer_dicts(db, list(offer_ids)))


@dataclass(frozen=True)
class StoredOffer:
    """An offer as the API shows it, and the hash of its content (its ETag)."""

    offer: OfferOut
    content_hash: str


def load_offer(db: Session, offer_id: int) -> StoredOffer | None:
    found = _offer_dicts(db, [offer_id], with_hash=True)
    return StoredOffer(OfferOut.model_validate(found[0]), found[0]["content_hash"]) if found else None


@dataclass(frozen=True)
class OfferFilters:
    departement: str | None = None
    region: str | None = None
    funder: str | None = None
    sector: str | None = None
    level: Level | None = None
    modified_after: datetime | None = None


def _live_session_where(*conds):
    return exists().where(TrainingSession.offer_id == Offer.id, TrainingSession.withdrawn_at.is_(None), *conds)


class ListedOffer(NamedTuple):
    """A row of the offer list: its place in the list's order, and whether it is withdrawn."""

    id: int
    updated_at: datetime
    withdrawn: bool


def list_offer_page(db: Session, f: OfferFilters, after: list | None, limit: int) -> list[ListedOffer]:
    """At most `limit` offers after the position `after` (see `offer_position`): by (updated_at, id)
    for incremental sync, else by id."""
    stmt = select(Offer.id, Offer.updated_at, Offer.withdrawn_at.is_not(None))
    if f.modified_after is not None:
        stmt = stmt.where(Offer.updated_at > f.modified_after)
    else:
        stmt = stmt.where(Offer.withdrawn_at.is_(None))
    if f.departement:
        stmt = stmt.where(_live_session_where(TrainingSession.departement == f.departement))
    if f.region:
        stmt = stmt.where(_live_session_where(TrainingSession.region == f.region))
    if f.funder:
        stmt = stmt.where(exists().where(OfferFunder.offer_id == Offer.id, OfferFunder.funder == f.funder))
    if f.sector:
        stmt = stmt.where(exists().where(OfferSector.offer_id == Offer.id, OfferSector.sector == f.sector))
    if f.level is not None:
        rank = f.level.rank
        stmt = stmt.where(or_(Offer.entry_min_rank.is_(None), Offer.entry_min_rank <= rank),
                          or_(Offer.entry_max_rank.is_(None), Offer.entry_max_rank >= rank))
    if f.modified_after is not None:
        if after:
            ts = datetime.fromisoformat(after[0])
            stmt = stmt.where(or_(Offer.updated_at > ts, and_(Offer.updated_at == ts, Offer.id > int(after[1]))))
        stmt = stmt.order_by(Offer.updated_at, Offer.id)
    else:
        if after:
            stmt = stmt.where(Offer.id > int(after[0]))
        stmt = stmt.order_by(Offer.id)
    return [ListedOffer(*r) for r in db.execute(stmt.limit(limit))]


def offer_position(row: ListedOffer, f: OfferFilters) -> list:
    """A row's place in the list's order, as `list_offer_page` takes it back (JSON values)."""
    return [row.updated_at.isoformat(), row.id] if f.modified_after is not None else [row.id]


def offer_position_shape(f: OfferFilters) -> tuple[type, ...]:
    return (str, int) if f.modified_after is not None else (int,)


def withdrawn_markers(db: Session, ids: Iterable[int]) -> dict[int, WithdrawnMarker]:
    rows = db.exec(select(Offer).where(Offer.id.in_(list(ids))))
    return {o.id: WithdrawnMarker(id=o.id, source=o.source, external_id=o.external_id, updated_at=o.updated_at)
            for o in rows}


def count_live_sessions(db: Session) -> int:
    stmt = select(func.count()).select_from(TrainingSession).join(Offer).where(
        Offer.withdrawn_at.is_(None), TrainingSession.withdrawn_at.is_(None))
    return db.execute(stmt).scalar_one()


def ping(db: Session) -> None:
    db.execute(text("SELECT 1"))


# --- matching feed ------------------------------------------------------------------------------

_OFFER_FACTS = ("id", "kind", "modality", "entry_min", "entry_max", "target_level", "literacy_accepted",
                "rome_codes", "childcare", "cost_to_learner", "quality")
_SESSION_FACTS = ("id", "offer_id", "status", "start_date", "start_precision", "end_date", "end_precision",
                  "rolling_entry", "schedule", "places_available", "lat", "lon", "city", "region")


@dataclass
class MatchFeed:
    """Sessions of live offers changed since a stamp (all of them when `since` is None). `seq`:
    the bookmark to keep afterwards, the horizon's `safe` taken before reading (app/catalogue/stamps.py);
    rows above it may be here already and will come again."""

    seq: int
    offers: dict[int, dict]
    sessions: list[dict]
    removed_session_ids: list[int]
    changed_offer_ids: set[int]


_MATCH_SESSION_COLS = [_SESSION.c[c] for c in _SESSION_FACTS] + [_SESSION.c.withdrawn_at,
                                                                  _OFFER.c.withdrawn_at.label("ow")]


def match_feed(db: Session, since: int | None) -> MatchFeed:
    seq = change_horizon(db, -1 if since is None else since).safe
    base = select(*_MATCH_SESSION_COLS).join(_OFFER, _OFFER.c.id == _SESSION.c.offer_id)
    if since is None:
        queries = [base.where(_SESSION.c.withdrawn_at.is_(None), _OFFER.c.withdrawn_at.is_(None))]
    else:  # two indexed probes rather than one OR across tables
        queries = [base.where(_SESSION.c.change_seq > since), base.where(_OFFER.c.change_seq > since)]
    rows: dict[int, dict] = {}
    for q in queries:
        for r in db.execute(q).mappings():
            rows[r["id"]] = dict(r)
    removed = [sid for sid, r in rows.items() if r["withdrawn_at"] is not None or r["ow"] is not None]
    live = [r for r in rows.values() if r["withdrawn_at"] is None and r["ow"] is None]
    return MatchFeed(seq=seq, offers=_match_offers(db, {r["offer_id"] for r in live}), sessions=live,
                     removed_session_ids=removed, changed_offer_ids={r["offer_id"] for r in rows.values()})


def iter_match_feed(db: Session, chunk: int = 10_000) -> Iterator[MatchFeed]:
    """The whole feed (`match_feed(db, None)`) in parts of `chunk` sessions, in session id order,
    each with the offers of its sessions, all read in `db`'s one transaction; every part carries
    the horizon's `safe` stamp read before the first (rows changed meanwhile are stamped above it,
    so the next refresh reads them). For a start-up build that never holds all rows at once."""
    seq = change_horizon(db, -1).safe
    base = (select(*_MATCH_SESSION_COLS).join(_OFFER, _OFFER.c.id == _SESSION.c.offer_id)
            .where(_SESSION.c.withdrawn_at.is_(None), _OFFER.c.withdrawn_at.is_(None))
            .order_by(_SESSION.c.id).limit(chunk))
    last = None
    while True:
        live = [dict(r) for r in db.execute(base if last is None else base.where(_SESSION.c.id > last)).mappings()]
        if not live:
            return
        last = live[-1]["id"]
        yield MatchFeed(seq=seq, offers=_match_offers(db, {r["offer_id"] for r in live}), sessions=live,
                        removed_session_ids=[], changed_offer_ids=set())


def _match_offers(db: Session, ids: set[int]) -> dict[int, dict]:
    offers: dict[int, dict] = {}
    for chunk in _chunks(sorted(ids), 900):
        for r in db.execute(select(*[_OFFER.c[c] for c in _OFFER_FACTS]).where(_OFFER.c.id.in_(chunk))).mappings():
            offers[r["id"]] = {**r, "funders": [], "sectors": [], "publics": [], "audience": []}
        for oid, f in db.execute(select(OfferFunder.offer_id, OfferFunder.funder).where(OfferFunder.offer_id.in_(chunk))):
            offers[oid]["funders"].append(f)
        for oid, x in db.execute(select(OfferSector.offer_id, OfferSector.sector).where(OfferSector.offer_id.in_(chunk))):
            offers[oid]["sectors"].append(x)
        for oid, role, p in db.execute(select(OfferPublic.offer_id, OfferPublic.role, OfferPublic.public)
                                       .where(OfferPublic.offer_id.in_(chunk))):
            offers[oid][role].append(p)
    return offers
