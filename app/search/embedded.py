"""The embedded engine: an in-memory inverted index and numpy columns, one per server process.

No server to run and no files: each process builds it from the database at start-up and keeps it
fresh by applying the offers changed since the catalogue sequence it last saw (see
app/search/service.py), so a write is searchable as soon as its response returns, in every worker.

Layout
- One row per indexed offer. An updated offer gets a new row and its old row is marked dead; when
  dead rows or postings added since the last build grow large the service rebuilds the index.
- Text: postings of the build in CSR form, terms sorted (a prefix is one contiguous slice), plus
  the postings added since (`_delta`). A posting carries the weight of the field where the word
  was found (0 title, 1 organisation/kind/sector/funder/place, 2 summary).
- Filters and facets: one small integer or bit-mask column per facet; départements and session
  points as (row, value) pairs. Radius: unit vectors, one dot product per session point.

Matching (as Meilisearch with `matchingStrategy: all`): every query word (or one of its
synonyms) must match; a word of 5+ letters may have one typo, 9+ letters two (optimal string
alignment distance, a transposition is one typo); the last word also matches as a prefix, with
the same typo allowance. Ranking: fewer typos, then better fields, then distance (with `near`) or
completeness (`quality`), then exact over prefix matches, then offer id.
"""

from __future__ import annotations

import bisect
import math
import threading
from array import array
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from app.reference.catalogue_codes import Kind, Modality
from app.reference.funders import Funder
from app.reference.levels import LEVELS
from app.reference.sectors import Sector
from app.search.documents import OfferDoc
from app.search.port import SearchHits, SearchQuery, Suggestion
from app.search.text import fold, index_words, query_groups, typos_allowed

EARTH_KM = 6371.0088
NO_MATCH = 255
KINDS = [k.value for k in Kind]
MODALITIES = [m.value for m in Modality]
FUNDERS = [f.value for f in Funder]
SECTORS = [s.value for s in Sector]
LEVEL_CODES = [lv.value for lv in LEVELS]
KIND_I = {c: i for i, c in enumerate(KINDS)}
MODALITY_I = {c: i for i, c in enumerate(MODALITIES)}
FUNDER_BIT = {c: 1 << i for i, c in enumerate(FUNDERS)}
SECTOR_BIT = {c: 1 << i for i, c in enumerate(SECTORS)}
LEVEL_BIT = {c: 1 << i for i, c in enumerate(LEVEL_CODES)}
EXPANSION_CACHE = 4096


def _unit(lat: float, lon: float) -> tuple[float, float, float]:
    la, lo = math.radians(lat), math.radians(lon)
    return math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)


def _bits(codes: Iterable[str], table: dict[str, int]) -> int:
    out = 0
    for c in codes:
        out |= table.get(c, 0)
    return out


def _bit_counts(values: np.ndarray, names: list[str]) -> dict[str, int]:
    """How many values have each bit set (names[i] ↔ bit i): one bincount over the distinct masks
    (a few hundred at most), then the bits of those."""
    if values.size == 0:
        return {}
    combos = np.bincount(values.astype(np.intp))
    present = np.flatnonzero(combos)
    counts = combos[present]
    out = {}
    for i, name in enumerate(names):
        n = int(counts[(present & (1 << i)) != 0].sum())
        if n:
            out[name] = n
    return out


class _Column:
    """A growable 1-D numpy array."""

    __slots__ = ("a", "n")

    def __init__(self, dtype, values: np.ndarray | None = None) -> None:
        if values is None:
            values = np.zeros(0, dtype=dtype)
        self.n = len(values)
        self.a = np.zeros(max(1024, self.n * 5 // 4), dtype=dtype)
        self.a[:self.n] = values

    def append(self, value) -> None:
        if self.n == len(self.a):
            grown = np.zeros(len(self.a) * 2, dtype=self.a.dtype)
            grown[:self.n] = self.a[:self.n]
            self.a = grown
        self.a[self.n] = value
        self.n += 1

    @property
    def v(self) -> np.ndarray:
        return self.a[:self.n]


@dataclass
class _Expansion:
    """The terms one query word matches: base term-index ranges and delta terms, with codes."""

    base: list[tuple[int, int, int]]  # (lo, hi, code): base terms [lo, hi) with this code (attr added later)
    delta: list[tuple[str, int]]  # (term, code)


def _code(typo: int, inexact: bool) -> int:
    return (typo << 5) | int(inexact)


class _State:
    """One version of the index. Mutated only under the engine's lock."""

    def __init__(self) -> None:
        # one value per row
        self.offer_id, self.alive = _Column(np.int64), _Column(np.bool_)
        self.kind, self.modality = _Column(np.int8), _Column(np.int8)  # index in KINDS / MODALITIES, -1
        # bit masks: FUNDER_BIT, SECTOR_BIT, LEVEL_BIT
        self.funders, self.sectors, self.levels = _Column(np.uint16), _Column(np.uint16), _Column(np.uint8)
        self.has_places = _Column(np.bool_)
        self.quality = _Column(np.int16)  # 0..1000
        # one value per (row, département) pair, and per (row, session place) pair: a unit vector
        self.dep_row, self.dep_code = _Column(np.int32), _Column(np.int16)
        self.geo_row = _Column(np.int32)
        self.gx, self.gy, self.gz = _Column(np.float64), _Column(np.float64), _Column(np.float64)
        self.titles: list[str] = []
        self.row_of: dict[int, int] = {}
        self.dep_codes: dict[str, int] = {}
        self.dep_names: list[str] = []
        self.dead = 0
        # text: base CSR (terms sorted) + delta
        self.terms: list[str] = []
        self.term_index: dict[str, int] = {}
        self.indptr = np.zeros(1, dtype=np.int64)
        self.post_rows = np.zeros(0, dtype=np.int32)
        self.post_attr = np.zeros(0, dtype=np.uint8)
        self.by_len: dict[int, tuple[list[str], np.ndarray]] = {}
        self.prefixes: dict[int, tuple[list[str], np.ndarray, np.ndarray]] = {}
        self.delta: dict[str, tuple[array, array]] = {}
        self.delta_postings = 0
        self.delta_keys: list[str] | None = []
        self.expansions: dict[tuple[str, bool], _Expansion] = {}

    @property
    def size(self) -> int:
        return self.offer_id.n

    # --- writes ---------------------------------------------------------------------------------

    def _dep(self, code: str) -> int:
        i = self.dep_codes.get(code)
        if i is None:
            i = self.dep_codes[code] = len(self.dep_names)
            self.dep_names.append(code)
        return i

    def add_row(self, doc: OfferDoc) -> int:
        self.remove(doc.offer_id)
        row = self.size
        self.offer_id.append(doc.offer_id)
        self.alive.append(True)
        self.kind.append(KIND_I.get(doc.kind, -1))
        self.modality.append(MODALITY_I.get(doc.modality, -1))
        self.funders.append(_bits(doc.funders, FUNDER_BIT))
        self.sectors.append(_bits(doc.sectors, SECTOR_BIT))
        self.levels.append(_bits(doc.levels, LEVEL_BIT))
        self.has_places.append(doc.has_places)
        self.quality.append(round(max(0.0, min(1.0, doc.quality)) * 1000))
        for d in doc.departements:
            self.dep_row.append(row)
            self.dep_code.append(self._dep(d))
        for lat, lon in doc.points:
            self.geo_row.append(row)
            for column, value in zip((self.gx, self.gy, self.gz), _unit(lat, lon), strict=True):
                column.append(value)
        self.titles.append(doc.title)
        self.row_of[doc.offer_id] = row
        return row

    def remove(self, offer_id: int) -> None:
        row = self.row_of.pop(offer_id, None)
        if row is not None:
            self.alive.a[row] = False
            self.dead += 1

    def add_postings(self, row: int, tokens: dict[str, int]) -> None:
        for term, attr in tokens.items():
            entry = self.delta.get(term)
            if entry is None:
                entry = self.delta[term] = (array("i"), array("B"))
                self.delta_keys = None
                self.expansions.clear()
            entry[0].append(row)
            entry[1].append(attr)
        self.delta_postings += len(tokens)

    # --- text lookups ---------------------------------------------------------------------------

    def _by_len(self, n: int) -> tuple[list[str], np.ndarray]:
        return self.by_len.get(n) or ([], np.zeros(0, dtype=np.int64))

    def _prefixes(self, m: int) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Distinct prefixes of length m of the base terms, with the term range each covers."""
        got = self.prefixes.get(m)
        if got is None:
            texts: list[str] = []
            los: list[int] = []
            his: list[int] = []
            for i, t in enumerate(self.terms):
                if len(t) < m:
                    continue
                p = t[:m]
                if texts and texts[-1] == p and his[-1] == i:
                    his[-1] = i + 1
                else:
                    texts.append(p)
                    los.append(i)
                    his.append(i + 1)
            got = self.prefixes[m] = (texts, np.array(los, dtype=np.int64), np.array(his, dtype=np.int64))
        return got

    def _delta_keys(self) -> list[str]:
        if self.delta_keys is None:
            self.delta_keys = sorted(self.delta)
        return self.delta_keys

    def expand(self, word: str, last: bool) -> _Expansion:
        key = (word, last)
        got = self.expansions.get(key)
        if got is not None:
            return got
        k = typos_allowed(word)
        got = _Expansion(self._base_matches(word, last, k), self._delta_matches(word, last, k))
        if len(self.expansions) >= EXPANSION_CACHE:
            self.expansions.clear()
        self.expansions[key] = got
        return got

    def _base_matches(self, word: str, last: bool, k: int) -> list[tuple[int, int, int]]:
        """The base term ranges this word matches (exact, prefix, within `k` typos), with codes."""
        base: list[tuple[int, int, int]] = []
        i = self.term_index.get(word)
        if i is not None:
            base.append((i, i + 1, _code(0, False)))
        if last:
            lo = bisect.bisect_left(self.terms, word)
            hi = bisect.bisect_left(self.terms, word + "\uffff")
            if hi > lo:
                base.append((lo, hi, _code(0, True)))
        if not k:
            return base
        for n in range(max(1, len(word) - k), len(word) + k + 1):
            terms, ids = self._by_len(n)
            if not terms:
                continue
            dist = process.cdist([word], terms, scorer=OSA.distance, score_cutoff=k, dtype=np.uint8)[0]
            for j in np.flatnonzero((dist >= 1) & (dist <= k)):
                t = int(ids[j])
                base.append((t, t + 1, _code(int(dist[j]), True)))
        if last:
            for m in range(max(1, len(word) - k), len(word) + k + 1):
                texts, los, his = self._prefixes(m)
                if not texts:
                    continue
                dist = process.cdist([word], texts, scorer=OSA.distance, score_cutoff=k, dtype=np.uint8)[0]
                for j in np.flatnonzero((dist >= 1) & (dist <= k)):
                    base.append((int(los[j]), int(his[j]), _code(int(dist[j]), True)))
        return base

    def _delta_matches(self, word: str, last: bool, k: int) -> list[tuple[str, int]]:
        """The terms added since the build that this word matches, with codes."""
        delta: list[tuple[str, int]] = []
        for t in self._delta_keys() if self.delta else ():
            if t == word:
                delta.append((t, _code(0, False)))
            elif last and t.startswith(word):
                delta.append((t, _code(0, True)))
            elif k:
                d = OSA.distance(word, t, score_cutoff=k)
                if last and d > k:
                    d = min(OSA.distance(word, t[:m], score_cutoff=k)
                            for m in range(max(1, len(word) - k), len(word) + k + 1))
                if d <= k:
                    delta.append((t, _code(d, True)))
        return delta

    def word_codes(self, word: str, last: bool) -> np.ndarray:
        """Per row, the best code of this word (NO_MATCH when absent): typo << 5 | attr << 2 | inexact."""
        out = np.full(self.size, NO_MATCH, dtype=np.uint8)
        exp = self.expand(word, last)
        for lo, hi, code in exp.base:
            a, b = self.indptr[lo], self.indptr[hi]
            if b > a:
                np.minimum.at(out, self.post_rows[a:b], (self.post_attr[a:b] << 2) | np.uint8(code))
        for term, code in exp.delta:
            rows, attrs = self.delta[term]
            np.minimum.at(out, np.frombuffer(rows, dtype=np.int32),
                          (np.frombuffer(attrs, dtype=np.uint8) << 2) | np.uint8(code))
        return out


def _tokens(doc: OfferDoc) -> dict[str, int]:
    tokens: dict[str, int] = {}
    for attr, text in doc.texts():
        for w in index_words(text):
            if tokens.get(w, 9) > attr:
                tokens[w] = attr
    return tokens


def build_state(docs: Iterable[OfferDoc]) -> _State:
    """A compact state (every posting in the CSR part) from these documents."""
    st = _State()
    vocab: dict[str, int] = {}
    term_ids = array("i")
    rows = array("i")
    attrs = array("B")
    for doc in docs:
        if doc.offer_id in st.row_of:
            st.remove(doc.offer_id)
        row = st.add_row(doc)
        for term, attr in _tokens(doc).items():
            t = vocab.get(term)
            if t is None:
                t = vocab[term] = len(vocab)
            term_ids.append(t)
            rows.append(row)
            attrs.append(attr)
    terms = sorted(vocab)
    rank = np.zeros(len(vocab), dtype=np.int64)
    for r, t in enumerate(terms):
        rank[vocab[t]] = r
    tid = rank[np.frombuffer(term_ids, dtype=np.int32)] if term_ids else np.zeros(0, dtype=np.int64)
    r_arr = np.frombuffer(rows, dtype=np.int32) if rows else np.zeros(0, dtype=np.int32)
    order = np.lexsort((r_arr, tid))
    st.terms = terms
    st.term_index = {t: i for i, t in enumerate(terms)}
    st.post_rows = r_arr[order].copy()
    st.post_attr = (np.frombuffer(attrs, dtype=np.uint8) if attrs else np.zeros(0, dtype=np.uint8))[order].copy()
    counts = np.bincount(tid, minlength=len(terms))
    st.indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    by_len: dict[int, list[int]] = {}
    for i, t in enumerate(terms):
        by_len.setdefault(len(t), []).append(i)
    st.by_len = {n: ([terms[i] for i in ids], np.array(ids, dtype=np.int64)) for n, ids in by_len.items()}
    return st


class EmbeddedEngine:
    """The port's embedded implementation. Thread-safe (one lock: writes and searches are short)."""

    name = "embedded"

    def __init__(self) -> None:
        self._state = _State()
        self.lock = threading.RLock()

    # --- port: writes -----------------------------------------------------------------------------

    def index(self, docs: Iterable[OfferDoc]) -> None:
        with self.lock:
            st = self._state
            for doc in docs:
                row = st.add_row(doc)
                st.add_postings(row, _tokens(doc))

    def delete(self, offer_ids: Iterable[int]) -> None:
        with self.lock:
            for oid in offer_ids:
                self._state.remove(oid)

    def rebuild(self, docs: Iterable[OfferDoc]) -> None:
        new = build_state(docs)  # built outside the lock: searches go on meanwhile
        with self.lock:
            self._state = new

    def swap(self, state: _State) -> None:
        with self.lock:
            self._state = state

    # --- housekeeping -----------------------------------------------------------------------------

    @property
    def size(self) -> int:
        return len(self._state.row_of)

    def needs_compaction(self) -> bool:
        st = self._state
        return (st.dead > 1000 and st.dead * 4 > st.size) or (
            st.delta_postings > 50_000 and st.delta_postings * 5 > len(st.post_rows))

    # --- port: reads ------------------------------------------------------------------------------

    def _text(self, st: _State, words: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray] | None:
        """(mask, rank) of the rows matching every word group; None when there are no words."""
        if not words:
            return None
        groups = query_groups(list(words))
        mask = st.alive.v.copy()
        rank = np.zeros(st.size, dtype=np.int64)
        for gi, (typed, alternatives) in enumerate(groups):
            last = gi == len(groups) - 1
            best = None
            for ai, phrase in enumerate((typed, *alternatives)):
                codes = None
                for wi, w in enumerate(phrase):
                    c = st.word_codes(w, last and ai == 0 and wi == len(phrase) - 1)
                    codes = c if codes is None else np.maximum(codes, c)
                best = codes if best is None else np.minimum(best, codes)
            mask &= best != NO_MATCH
            b = best.astype(np.int64)
            # typo sum (bits 9-13), field sum (bits 4-8), inexact count (bits 0-3)
            rank += ((b >> 5) << 9) | (((b >> 2) & 7) << 4) | (b & 1)
        return mask, rank

    def _filter(self, st: _State, q: SearchQuery, mask: np.ndarray) -> np.ndarray | None:
        """Apply the filters to `mask` in place; the nearest distance per row (km) with `near`."""
        f = q.filters
        if f.kind is not None:
            mask &= st.kind.v == KIND_I.get(f.kind, -2)
        if f.modality is not None:
            mask &= st.modality.v == MODALITY_I.get(f.modality, -2)
        if f.funder is not None:
            mask &= (st.funders.v & FUNDER_BIT.get(f.funder, 0)) != 0
        if f.sector is not None:
            mask &= (st.sectors.v & SECTOR_BIT.get(f.sector, 0)) != 0
        if f.level is not None:
            mask &= (st.levels.v & LEVEL_BIT.get(f.level, 0)) != 0
        if f.has_places is not None:
            mask &= st.has_places.v == f.has_places
        if f.departement is not None:
            code = st.dep_codes.get(f.departement)
            in_dep = np.zeros(st.size, dtype=np.bool_)
            if code is not None:
                in_dep[st.dep_row.v[st.dep_code.v == code]] = True
            mask &= in_dep
        if f.near is None:
            return None
        cx, cy, cz = _unit(*f.near)
        dot = st.gx.v * cx + st.gy.v * cy + st.gz.v * cz
        radius = f.radius_km if f.radius_km is not None else math.inf
        min_dot = math.cos(min(radius / EARTH_KM, math.pi))
        within = dot >= min_dot
        km = EARTH_KM * np.arccos(np.clip(dot[within], -1.0, 1.0))
        nearest = np.full(st.size, np.inf)
        np.minimum.at(nearest, st.geo_row.v[within], km)
        mask &= np.isfinite(nearest)
        return nearest

    def _facets(self, st: _State, rows: np.ndarray, mask: np.ndarray) -> dict[str, dict[str, int]]:
        kinds = np.bincount(st.kind.v[rows].astype(np.int64) + 1, minlength=len(KINDS) + 1)[1:]
        deps = np.bincount(st.dep_code.v[mask[st.dep_row.v]], minlength=len(st.dep_names))
        return {
            "funders": _bit_counts(st.funders.v[rows], FUNDERS),
            "levels": _bit_counts(st.levels.v[rows], LEVEL_CODES),
            "sectors": _bit_counts(st.sectors.v[rows], SECTORS),
            "kinds": {KINDS[i]: int(n) for i, n in enumerate(kinds) if n},
            "departements": {st.dep_names[i]: int(n) for i, n in enumerate(deps) if n},
        }

    def _order(self, st: _State, rows: np.ndarray, rank: np.ndarray | None, nearest: np.ndarray | None,
               upto: int) -> np.ndarray:
        """The first `upto` of `rows` in ranking order."""
        if rows.size == 0 or upto <= 0:
            return rows[:0]
        key = (rank[rows] << 48) if rank is not None else np.zeros(rows.size, dtype=np.int64)
        if nearest is not None:
            key |= np.minimum(np.round(nearest[rows] * 10), (1 << 17) - 1).astype(np.int64) << 31
        else:
            key |= (1000 - st.quality.v[rows].astype(np.int64)) << 31
        key |= st.offer_id.v[rows] & ((1 << 31) - 1)
        if rows.size > upto:
            part = np.argpartition(key, upto - 1)[:upto]
            return rows[part[np.argsort(key[part], kind="stable")]]
        return rows[np.argsort(key, kind="stable")]

    def search(self, query: SearchQuery) -> SearchHits:
        with self.lock:
            st = self._state
            text = self._text(st, query.words)
            if text is None:
                mask, rank = st.alive.v.copy(), None
            else:
                mask, rank = text
            nearest = self._filter(st, query, mask)
            rows = np.flatnonzero(mask)
            facets = self._facets(st, rows, mask) if query.facets else {}
            page = self._order(st, rows, rank, nearest, query.offset + query.limit)[query.offset:]
            return SearchHits(offer_ids=[int(i) for i in st.offer_id.v[page]], total=int(rows.size), facets=facets)

    def suggest(self, words: tuple[str, ...], limit: int) -> list[Suggestion]:
        if not words:
            return []
        with self.lock:
            st = self._state
            mask, rank = self._text(st, words)
            rows = np.flatnonzero(mask)
            out: list[Suggestion] = []
            seen: set[str] = set()
            for r in self._order(st, rows, rank, None, limit * 5):
                title = st.titles[r]
                k = fold(title)
                if k not in seen:
                    seen.add(k)
                    out.append(Suggestion(text=title, offer_id=int(st.offer_id.v[r])))
                    if len(out) == limit:
                        break
            return out
