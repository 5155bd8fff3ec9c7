"""Meilisearch: a thin typed client over the project's httpx, and the port's adapter.

Why not the official `meilisearch` client: it sends each request through `requests.post` without a
session (a new connection and a socket left in TIME_WAIT per search; slower in the same run of
bench/search.py) and sets `Content-Type` on a header dict shared by all threads (searches failed
with `missing_content_type` while another thread sent a GET) — figures in docs/search.md.
`meilisearch-python-sdk` 8.x depends on a fork of httpx.

Facts this relies on (checked against Meilisearch 1.21; measurements in docs/search.md):
- every write is an asynchronous task, polled on `GET /tasks/{uid}`;
- `Accept-Encoding: identity`: with gzip, every answer over ~1 KB was many times slower;
- `page`/`hitsPerPage` gives an exact `totalHits` (capped by `pagination.maxTotalHits`, set far
  above the catalogue size);
- one `_geo` per document: an offer taught in several places is one document per place
  (`<offer id>-<n>`), the first one `primary`. A query without `near` filters `primary = true`
  (one document per offer, nothing to deduplicate); a radius query asks for `distinct: offer_id`
  (1.14+), which deduplicates the places within the radius only, so totals and facets count
  offers. A `distinctAttribute` setting instead made every broad query deduplicate the whole
  catalogue: 10-40× slower.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from app.reference.catalogue_codes import Kind
from app.reference.funders import Funder
from app.reference.levels import LEVELS
from app.reference.sectors import Sector
from app.search.documents import OfferDoc
from app.search.port import EngineUnavailable, SearchHits, SearchQuery, Suggestion
from app.search.text import ONE_TYPO_FROM, STOP_WORDS, TWO_TYPOS_FROM, fold, meili_synonyms

BATCH = 1000
MAX_TOTAL_HITS = 10_000_000
# Bump when `to_meili` changes what a document holds: with the settings it makes the index version,
# and another version rebuilds the index (through a temporary one and a swap) at the next start.
DOCUMENT_SHAPE = 2
FACET_ATTRS = {"funders": "funders", "levels": "levels", "sectors": "sectors", "kind": "kinds",
               "departements": "departements"}


class MeiliError(Exception):
    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class MeiliUnavailable(MeiliError, EngineUnavailable):
    """Connection refused, timeout, 5xx: retry later."""


class MeiliTaskFailed(MeiliError):
    pass


@dataclass(frozen=True)
class Task:
    uid: int
    status: str
    type: str = ""
    error: dict | None = None


def _task(body: dict) -> Task:
    return Task(uid=int(body.get("taskUid", body.get("uid"))), status=body.get("status", "enqueued"),
                type=body.get("type", ""), error=body.get("error"))


class MeiliClient:
    """The endpoints this service needs, typed; one pooled httpx client per process."""

    def __init__(self, url: str, key: str | None, *, timeout: float = 10.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        headers = {"Accept-Encoding": "identity", "Content-Type": "application/json"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        self.http = httpx.Client(base_url=url.rstrip("/"), headers=headers, transport=transport,
                                 timeout=httpx.Timeout(timeout, connect=2.0), trust_env=False)

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, path: str, body: Any = None, *, timeout: float | None = None) -> Any:
        content = None if body is None else json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        kwargs: dict[str, Any] = {"content": content}
        if timeout is not None:
            kwargs["timeout"] = httpx.Timeout(timeout, connect=2.0)
        try:
            r = self.http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise MeiliUnavailable(f"Meilisearch unreachable: {exc.__class__.__name__}") from None
        if r.status_code >= 500:
            raise MeiliUnavailable(f"Meilisearch {r.status_code}: {r.text[:200]}", status=r.status_code)
        if r.status_code >= 400:
            try:
                err = r.json()
            except ValueError:
                err = {"message": r.text[:200]}
            raise MeiliError(err.get("message", ""), code=err.get("code"), status=r.status_code)
        return r.json() if r.content else None

    # --- endpoints ----------------------------------------------------------------------------------

    def healthy(self, timeout: float = 1.0) -> bool:
        try:
            return (self._call("GET", "/health", timeout=timeout) or {}).get("status") == "available"
        except MeiliError:
            return False

    def get_index(self, uid: str) -> dict | None:
        try:
            return self._call("GET", f"/indexes/{uid}")
        except MeiliError as exc:
            if exc.code == "index_not_found":
                return None
            raise

    def create_index(self, uid: str, primary_key: str) -> Task:
        return _task(self._call("POST", "/indexes", {"uid": uid, "primaryKey": primary_key}))

    def delete_index(self, uid: str) -> Task:
        return _task(self._call("DELETE", f"/indexes/{uid}"))

    def get_settings(self, uid: str) -> dict:
        return self._call("GET", f"/indexes/{uid}/settings")

    def update_settings(self, uid: str, settings: dict) -> Task:
        return _task(self._call("PATCH", f"/indexes/{uid}/settings", settings))

    def add_documents(self, uid: str, docs: Sequence[dict], primary_key: str = "id") -> Task:
        return _task(self._call("POST", f"/indexes/{uid}/documents?primaryKey={primary_key}", list(docs),
                                timeout=120.0))

    def delete_by_filter(self, uid: str, filter_: str) -> Task:
        return _task(self._call("POST", f"/indexes/{uid}/documents/delete", {"filter": filter_}))

    def search(self, uid: str, body: dict) -> dict:
        return self._call("POST", f"/indexes/{uid}/search", body)

    def swap_indexes(self, a: str, b: str) -> Task:
        return _task(self._call("POST", "/swap-indexes", [{"indexes": [a, b]}]))

    def stats(self, uid: str) -> dict:
        return self._call("GET", f"/indexes/{uid}/stats")

    def get_task(self, uid: int) -> Task:
        return _task(self._call("GET", f"/tasks/{uid}"))

    def wait(self, task: Task, timeout: float = 30.0, tick: Callable[[], None] | None = None) -> Task:
        """Poll until the task ends (5 ms at first, then up to 250 ms apart). A failed task raises
        MeiliTaskFailed; still unfinished after `timeout` seconds raises MeiliUnavailable. `tick`
        is called about every 5 s meanwhile (a long rebuild renews its lease there)."""
        deadline = time.monotonic() + timeout
        next_tick = time.monotonic() + 5.0
        delay = 0.005
        while True:
            if tick is not None and time.monotonic() > next_tick:
                tick()
                next_tick = time.monotonic() + 5.0
            t = self.get_task(task.uid)
            if t.status == "succeeded":
                return t
            if t.status in ("failed", "canceled"):
                err = t.error or {}
                raise MeiliTaskFailed(f"task {t.uid} ({t.type}) {t.status}: {err.get('message', '')}",
                                      code=err.get("code"))
            if time.monotonic() > deadline:
                raise MeiliUnavailable(f"task {t.uid} ({t.type}) still {t.status} after {timeout:.0f} s")
            time.sleep(delay)
            delay = min(delay * 2, 0.25)


def index_settings() -> dict:
    return {
        "searchableAttributes": ["title", "organisation", "kind_label", "sector_labels", "funder_labels", "cities",
                                 "places", "certification", "summary"],
        # only what a query filters or facets on (plus `offer_id` and `stamp` for the pushes' deletions)
        "filterableAttributes": ["offer_id", "primary", "kind", "modality", "funders", "sectors", "levels",
                                 "departements", "has_places", "stamp", "_geo"],
        "sortableAttributes": ["quality", "_geo"],
        # no distinct attribute: exhaustive distinct counts over the whole catalogue were the cost
        # (docs/search.md); queries without `near` read the primary documents only, radius queries
        # ask for `distinct` over the few places within the radius
        "distinctAttribute": None,
        "rankingRules": ["words", "typo", "proximity", "attribute", "sort", "exactness"],
        "stopWords": sorted(STOP_WORDS),
        "synonyms": meili_synonyms(),
        "typoTolerance": {"enabled": True, "minWordSizeForTypos": {"oneTypo": ONE_TYPO_FROM,
                                                                    "twoTypos": TWO_TYPOS_FROM}},
        "faceting": {"maxValuesPerFacet": 500},
        "pagination": {"maxTotalHits": MAX_TOTAL_HITS},
        "localizedAttributes": [{"attributePatterns": ["*"], "locales": ["fra"]}],
    }


def index_version() -> str:
    """What the live index must have been built with: the documents' shape and the settings."""
    spec = json.dumps({"shape": DOCUMENT_SHAPE, "settings": index_settings()}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(spec.encode()).hexdigest()[:16]


def _same(have: Any, want: Any) -> bool:
    if isinstance(want, dict):
        return isinstance(have, dict) and all(_same(have.get(k), v) for k, v in want.items())
    return have == want


def settings_differ(have: dict, want: dict) -> list[str]:
    out = []
    for k, v in want.items():
        h = have.get(k)
        if k in ("stopWords", "filterableAttributes", "sortableAttributes"):
            if sorted(h or []) != sorted(v):
                out.append(k)
        elif k == "synonyms":
            if {a: sorted(b) for a, b in (h or {}).items()} != {a: sorted(b) for a, b in v.items()}:
                out.append(k)
        elif not _same(h, v):
            out.append(k)
    return out


def to_meili(doc: OfferDoc, stamp: int) -> list[dict]:
    """One Meilisearch document per place of the offer (one without `_geo` when it has none); the
    first is the offer's `primary` document, the one queries without a radius read."""
    base = {
        "offer_id": doc.offer_id, "title": doc.title, "summary": doc.summary or "", "organisation": doc.organisation,
        "kind_label": Kind(doc.kind).label, "sector_labels": [Sector(s).label for s in doc.sectors],
        "funder_labels": [Funder(f).label for f in doc.funders], "cities": list(doc.cities),
        "places": doc.place_names(), "certification": doc.certification or "",
        "kind": doc.kind, "modality": doc.modality, "funders": list(doc.funders), "sectors": list(doc.sectors),
        "levels": list(doc.levels), "departements": list(doc.departements), "has_places": doc.has_places,
        "quality": round(doc.quality, 4), "stamp": stamp,
    }
    if not doc.points:
        return [{"id": f"{doc.offer_id}-0", "primary": True, **base}]
    return [{"id": f"{doc.offer_id}-{i}", "primary": i == 0, **base, "_geo": {"lat": lat, "lng": lon}}
            for i, (lat, lon) in enumerate(doc.points)]


def _q(value: str) -> str:
    return json.dumps(value)


def _ids(ids: Iterable[int]) -> str:
    return "[" + ",".join(str(int(i)) for i in ids) + "]"


class MeiliEngine:
    """The port on Meilisearch. Writes wait for their tasks (`wait_timeout` per write)."""

    name = "meilisearch"

    def __init__(self, client: MeiliClient, uid: str, *, wait_timeout: float = 60.0) -> None:
        self.client = client
        self.uid = uid
        self.wait_timeout = wait_timeout
        # False until this process has seen the live index at `index_version()` (the service checks
        # the indexer's row). Meanwhile queries take the form every shape answers correctly:
        # `distinct` over all places, no `primary` filter — slower, but never a refusal while an
        # older index is being rebuilt on deploy.
        self.live_current = False

    # --- setup ----------------------------------------------------------------------------------------

    def ensure_index(self, uid: str | None = None, timeout: float = 600.0) -> bool:
        """Create the index if missing and apply the settings when they differ. True when created
        (its content must then be pushed again)."""
        uid = uid or self.uid
        created = False
        if self.client.get_index(uid) is None:
            self.client.wait(self.client.create_index(uid, "id"), timeout=30)
            created = True
        want = index_settings()
        if settings_differ(self.client.get_settings(uid), want):
            self.client.wait(self.client.update_settings(uid, want), timeout=timeout)
        return created

    # --- port: writes ---------------------------------------------------------------------------------

    def push(self, docs: Sequence[OfferDoc], removed: Sequence[int], *, wait: bool = True) -> Task | None:
        """Replace the documents of `docs`' offers and remove `removed` offers: new documents first,
        then the older documents of those offers (by stamp), so an offer never disappears meanwhile."""
        stamp = time.time_ns() // 1000
        last = None
        payload = [d for doc in docs for d in to_meili(doc, stamp)]
        for i in range(0, len(payload), BATCH):
            last = self.client.add_documents(self.uid, payload[i:i + BATCH])
        touched = [d.offer_id for d in docs] + list(removed)
        for i in range(0, len(touched), BATCH):
            last = self.client.delete_by_filter(self.uid, f"offer_id IN {_ids(touched[i:i + BATCH])} AND stamp < {stamp}")
        if last is not None and wait:
            self.client.wait(last, timeout=self.wait_timeout + len(payload) / 200)
        return last

    def index(self, docs: Iterable[OfferDoc]) -> None:
        self.push(list(docs), [])

    def delete(self, offer_ids: Iterable[int]) -> None:
        self.push([], list(offer_ids))

    def rebuild(self, docs: Iterable[OfferDoc], keep_alive: Callable[[], None] | None = None) -> None:
        """Fill a temporary index, swap it in (`/swap-indexes`), drop the old one. `keep_alive` is
        called between batches and while waiting (the indexer renews its lease there)."""
        tick = keep_alive or (lambda: None)
        tmp = f"{self.uid}__rebuild"
        if self.client.get_index(tmp) is not None:
            self.client.wait(self.client.delete_index(tmp), timeout=120)
        self.ensure_index(tmp)
        if self.client.get_index(self.uid) is None:  # the swap needs both
            self.client.wait(self.client.create_index(self.uid, "id"), timeout=30)
        stamp = time.time_ns() // 1000
        batch: list[dict] = []
        last = None
        count = 0
        for doc in docs:
            batch += to_meili(doc, stamp)
            if len(batch) >= BATCH:
                last = self.client.add_documents(tmp, batch)
                count += len(batch)
                batch = []
                if count % (20 * BATCH) < BATCH:
                    tick()
        if batch:
            last = self.client.add_documents(tmp, batch)
            count += len(batch)
        if last is not None:
            self.client.wait(last, timeout=120 + count / 100, tick=tick)
        self.client.wait(self.client.swap_indexes(self.uid, tmp), timeout=120, tick=tick)
        self.client.wait(self.client.delete_index(tmp), timeout=120, tick=tick)
        self.live_current = True

    # --- port: reads ----------------------------------------------------------------------------------

    def _filters(self, q: SearchQuery) -> list[str]:
        f = q.filters
        out = []
        for attr, value in (("levels", f.level), ("funders", f.funder), ("sectors", f.sector), ("kind", f.kind),
                            ("departements", f.departement), ("modality", f.modality)):
            if value is not None:
                out.append(f"{attr} = {_q(value)}")
        if f.has_places is not None:
            out.append(f"has_places = {'true' if f.has_places else 'false'}")
        if f.near is not None:
            metres = round((f.radius_km if f.radius_km is not None else 20_000) * 1000)
            out.append(f"_geoRadius({f.near[0]}, {f.near[1]}, {metres})")
        return out

    def search_body(self, q: SearchQuery) -> dict:
        body: dict[str, Any] = {
            "q": " ".join(q.words), "page": q.offset // q.limit + 1, "hitsPerPage": q.limit,
            "attributesToRetrieve": ["offer_id"], "matchingStrategy": "all",
        }
        filters = self._filters(q)
        if q.filters.near:
            # any place of an offer within the radius finds it, nearest first, counted once
            body["sort"] = [f"_geoPoint({q.filters.near[0]}, {q.filters.near[1]}):asc"]
        else:
            body["sort"] = ["quality:desc"]
        if q.filters.near or not self.live_current:
            body["distinct"] = "offer_id"
        else:
            filters.append("primary = true")
        if filters:
            body["filter"] = filters
        if q.facets:
            body["facets"] = list(FACET_ATTRS)
        return body

    def search(self, query: SearchQuery) -> SearchHits:
        res = self.client.search(self.uid, self.search_body(query))
        dist = res.get("facetDistribution") or {}
        facets = {ours: dict(dist.get(theirs, {})) for theirs, ours in FACET_ATTRS.items()} if query.facets else {}
        if facets:
            order = {lv.value: i for i, lv in enumerate(LEVELS)}
            facets["levels"] = dict(sorted(facets["levels"].items(), key=lambda kv: order.get(kv[0], 99)))
        return SearchHits(offer_ids=[h["offer_id"] for h in res.get("hits", [])], total=int(res.get("totalHits", 0)),
                          facets=facets)

    def suggest(self, words: tuple[str, ...], limit: int) -> list[Suggestion]:
        if not words:
            return []
        body = {"q": " ".join(words), "limit": limit * 3, "matchingStrategy": "all",
                "attributesToRetrieve": ["offer_id", "title"], "sort": ["quality:desc"]}
        if self.live_current:
            body["filter"] = "primary = true"
        res = self.client.search(self.uid, body)
        out: list[Suggestion] = []
        seen: set[str] = set()
        for h in res.get("hits", []):
            k = fold(h["title"])
            if k not in seen:
                seen.add(k)
                out.append(Suggestion(text=h["title"], offer_id=h["offer_id"]))
                if len(out) == limit:
                    break
        return out
