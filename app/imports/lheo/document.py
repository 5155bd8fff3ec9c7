"""Streaming LHÉO 2.2 / 2.3 parser and mapper: XML feed → `OfferIn` per FLE action (pure).

No database and no HTTP here: the import service stages and upserts what this yields.

    for item in parse_lheo(path_or_binary_file, today=date(2026, 9, 1)):
        ParsedOffer  → one FLE `action` mapped to an `OfferIn` (+ warnings, raw XML)
        Skipped      → one action that is not FLE (or a lheo-index summary)
        Rejected     → one action whose data is invalid (no title, OfferIn validation failed…)

* The version comes from the root namespace (`http://www.lheo.org/2.2`, `http://lheo.gouv.fr/2.3`).
  Roots `lheo` and `lheo-plus` are imported; `lheo-index` (summaries only) yields one `Skipped`
  per `resume-offre`; any other root raises `LheoDocumentError`.
* Streaming: `lxml.etree.iterparse` on `formation` end events; each formation is cleared and its
  previous siblings deleted once mapped, so memory does not grow with the file. The root is
  first read by a small pull parser on the head of the stream (same hostile-XML settings) so a
  non-LHÉO or hostile document fails before anything is yielded.
* Hostile XML is refused: entities are never resolved, no network, no DTD loading, no huge tree;
  a DOCTYPE declaring any entity (billion laughs, XXE) raises `LheoDocumentError("hostile")`.
  Input above `max_bytes` (counted after gunzip: gzip input is accepted) raises ("too_large").
* The document is not validated against the XSD (real feeds are messy); each action is mapped
  on its own: an error rejects that action only, warnings keep it.
* `LheoDocumentError` may come after items were yielded (a truncated file is noticed at its end):
  callers stage everything and apply nothing unless the iterator finishes normally.
* Re-imports: every item carries `source_hash`, a digest of its `formation` as sent (plus the mapper's
  fingerprint, `mapper_fingerprint()`); with `known(ref, source_hash)` the caller says which actions
  it already holds from that very fragment, and those come out as `Unchanged` without being mapped.
* `raw_source` is the `formation` element serialised with only that action (its other actions
  removed), with personal contact fields (civilité, nom, prénom, portable, courriel of the
  `contact-*` blocks) removed — data minimisation (notes/lheo.md §13).

The mapping rules themselves are the pure functions of `app.imports.lheo.rules`.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from lxml import etree
from pydantic import ValidationError

from app.catalogue.schemas import OfferIn
from app.core.clock import paris_today
from app.imports.items import ParsedOffer, Rejected, Skipped, Unchanged
from app.imports.lheo import rules
from app.reference.catalogue_codes import Modality

NS_22 = "http://www.lheo.org/2.2"
NS_23 = "http://lheo.gouv.fr/2.3"
VERSIONS: dict[str, str] = {NS_22: "2.2", NS_23: "2.3"}
DEFAULT_MAX_BYTES = 200 * 1024 * 1024

# Hostile-XML settings shared by every parser of this module.
_SAFE: dict[str, Any] = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}
_CHUNK = 64 * 1024
_ROOTS = {"lheo", "lheo-plus", "lheo-index"}
_CONTACT_BLOCKS = ("contact-formation", "contact-organisme", "contact-formateur", "contact-session")
_PERSONAL_FIELDS = ("civilite", "nom", "prenom", "portable", "courriel")


# ---------------------------------------------------------------------------------------------
# Public types
# ---------------------------------------------------------------------------------------------

class LheoDocumentError(ValueError):
    """The document as a whole cannot be imported; nothing from it should be applied.

    `code`: `not_well_formed` | `truncated` | `not_lheo` | `hostile` | `too_large` | `empty`.
    `str(error)` is « French message — English message ».
    """

    def __init__(self, code: str, message_fr: str, message_en: str, *, line: int | None = None) -> None:
        self.code = code
        self.message_fr = message_fr
        self.message_en = message_en
        self.line = line
        super().__init__(f"{message_fr} — {message_en}")


LheoItem = ParsedOffer | Skipped | Rejected | Unchanged
KnownFn = Callable[[str, str], bool]
Source = str | os.PathLike[str] | bytes | bytearray | IO[bytes]



# ---------------------------------------------------------------------------------------------
# Document level
# ---------------------------------------------------------------------------------------------

def parse_lheo(source: Source, *, max_bytes: int = DEFAULT_MAX_BYTES, today: date | None = None,
               known: KnownFn | None = None, info: dict[str, Any] | None = None) -> Iterator[LheoItem]:
    """Stream an LHÉO 2.2/2.3 document (path, bytes or binary file, plain or gzip) into one item
    per action. `today` (default: today in Europe/Paris) decides which sessions have ended.
    `known(ref, source_hash)` → True: that action is yielded as `Unchanged`, not mapped.
    `info`, when given, receives `version` and `root` (local name of the root element) as soon as
    the root is read. Raises `LheoDocumentError` for a document that is not well-formed, truncated,
    not LHÉO, hostile or larger than `max_bytes`."""
    today = today or paris_today()
    for elem, version, summary in iter_formations(source, max_bytes=max_bytes, info=info):
        yield from items_of(elem, version, summary, today=today, known=known)


def iter_formations(source: Source, *, max_bytes: int = DEFAULT_MAX_BYTES,
                    info: dict[str, Any] | None = None) -> Iterator[tuple[Any, str, bool]]:
    """`(element, version, summary)` for each `formation` of the document in order (each `resume-offre`
    of an lheo-index, `summary` True). An element is released (with what precedes it) once the
    consumer asks for the next one. `info` also receives `formations`, their number, at the end."""
    stream, owned = _open(source)
    try:
        reader = _Reader(stream, max_bytes)
        ns, local = _sniff_root(reader)
        version = VERSIONS[ns]
        if info is not None:
            info.update(version=version, root=local)
        summary = local == "lheo-index"
        tag = f"{{{ns}}}{'resume-offre' if summary else 'formation'}"
        n = 0
        try:
            for _event, elem in etree.iterparse(reader, events=("end",), tag=tag, **_SAFE):
                yield elem, version, summary
                n += 1
                _release(elem)
        except etree.XMLSyntaxError as exc:
            raise _syntax_error(exc, reader) from None
        if info is not None:
            info["formations"] = n
    finally:
        if owned:
            stream.close()


def items_of(elem: Any, version: str, summary: bool, *, today: date, known: KnownFn | None = None) -> list[LheoItem]:
    """The items of one element given by `iter_formations`."""
    if summary:
        return [Skipped(elem.get("numero") or "resume-offre",
                        "résumé d'offre (lheo-index) : seul un flux <lheo> complet est importable")]
    return map_formation(elem, version, today=today, known=known)


def _open(source: Source) -> tuple[IO[bytes], bool]:
    if isinstance(source, (bytes, bytearray)):
        return io.BytesIO(bytes(source)), True
    if isinstance(source, (str, os.PathLike)):
        return open(source, "rb"), True  # noqa: SIM115 - closed by parse_lheo
    return source, False


class _Prepend(io.RawIOBase):
    """`head` then the rest of `stream` (used to hand gzip its magic bytes back)."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head, self._stream = head, stream

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if self._head:
            data, self._head = (self._head, b"") if n < 0 or n >= len(self._head) else (
                self._head[:n], self._head[n:])
            return data
        return self._stream.read(n)

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)


class _Reader:
    """Byte source for lxml: counts bytes (after gunzip), enforces `max_bytes`, remembers where
    the input ends (to tell a truncated file from a malformed one) and replays the head read by
    the root sniffer."""

    def __init__(self, stream: IO[bytes], max_bytes: int) -> None:
        head = stream.read(2)
        if head == b"\x1f\x8b":
            stream = gzip.GzipFile(fileobj=_Prepend(head, stream))  # type: ignore[arg-type]
            head = b""
        self._stream = stream
        self._pending = head
        self._replay: list[bytes] = []
        self.max_bytes = max_bytes
        self.total = 0
        self.eof = False
        self.newlines = 0
        self.tail_len = 0  # bytes after the last newline read so far

    def _pull(self, n: int) -> bytes:
        data = self._stream.read(n)
        if self._pending:
            data, self._pending = self._pending + data, b""
        if not data:
            self.eof = True
            return b""
        self.total += len(data)
        if self.total > self.max_bytes:
            raise LheoDocumentError(
                "too_large",
                f"Document trop volumineux : plus de {self.max_bytes} octets.",
                f"Document too large: more than {self.max_bytes} bytes.")
        nl = data.count(b"\n")
        if nl:
            self.newlines += nl
            self.tail_len = len(data) - data.rfind(b"\n") - 1
        else:
            self.tail_len += len(data)
        return data

    def sniff(self, n: int) -> bytes:
        data = self._pull(n)
        if data:
            self._replay.append(data)
        return data

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            n = _CHUNK
        if self._replay:
            data = self._replay[0]
            if len(data) <= n:
                self._replay.pop(0)
                return data
            self._replay[0] = data[n:]
            return data[:n]
        return self._pull(n)


def _sniff_root(reader: _Reader) -> tuple[str, str]:
    """Parse just enough of the head to see the root element; refuse entity declarations and
    roots other than lheo / lheo-plus / lheo-index in the 2.2 or 2.3 namespace."""
    parser = etree.XMLPullParser(events=("start",), **_SAFE)
    while True:
        chunk = reader.sniff(_CHUNK)
        try:
            if chunk:
                parser.feed(chunk)
            else:
                parser.close()
            for _event, root in parser.read_events():
                return _check_root(root)
        except etree.XMLSyntaxError as exc:
            if chunk:
                raise _syntax_error(exc, reader) from None
        if not chunk:  # the whole input was read and no element started
            raise LheoDocumentError("empty", "Document vide : aucun élément XML.", "Empty document: no XML element.")


def _check_root(root: Any) -> tuple[str, str]:
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.entities()):
        raise LheoDocumentError(
            "hostile",
            "Document refusé : il déclare des entités XML (DOCTYPE avec <!ENTITY>), interdites dans un flux "
            "LHÉO (risque « billion laughs » ou XXE).",
            "Document refused: it declares XML entities (DOCTYPE with <!ENTITY>), which are not allowed in an "
            "LHÉO feed (billion laughs / XXE risk).")
    qn = etree.QName(root)
    if qn.namespace not in VERSIONS or qn.localname not in _ROOTS:
        shown = str(root.tag)[:120]
        raise LheoDocumentError(
            "not_lheo",
            f"Ce document n'est pas un flux LHÉO : élément racine « {shown} » (attendu <lheo> dans l'espace de "
            f"noms {NS_22} ou {NS_23}).",
            f"This document is not an LHÉO feed: root element '{shown}' (expected <lheo> in namespace "
            f"{NS_22} or {NS_23}).")
    return qn.namespace, qn.localname


def _syntax_error(exc: etree.XMLSyntaxError, reader: _Reader) -> LheoDocumentError:
    line, col = (exc.position if exc.position else (exc.lineno or 0, 0))
    msg = re.sub(r",? line \d+, column \d+$", "", (exc.msg or str(exc)).strip())
    low = msg.lower()
    if "entity" in low and any(w in low for w in ("loop", "amplification", "exceeded", "huge")):
        return LheoDocumentError(
            "hostile",
            f"Document refusé : expansion d'entités XML abusive (ligne {line}).",
            f"Document refused: abusive XML entity expansion (line {line}).", line=line)
    if reader.total == 0:
        return LheoDocumentError("empty", "Document vide.", "Empty document.", line=line)
    at_end = reader.eof and line >= reader.newlines + 1 and col >= reader.tail_len
    if exc.code == 77 or "premature end" in low or at_end:
        return LheoDocumentError(
            "truncated",
            f"Document LHÉO tronqué : la fin du fichier manque (ligne {line}).",
            f"Truncated LHÉO document: the end of the file is missing (line {line}).",
            line=line)
    return LheoDocumentError(
        "not_well_formed",
        f"Document XML mal formé, ligne {line}, colonne {col} : {msg}",
        f"XML document is not well-formed, line {line}, column {col}: {msg}", line=line)


def _release(elem: Any) -> None:
    """Free a mapped element and everything parsed before it."""
    elem.clear(keep_tail=True)
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]


# ---------------------------------------------------------------------------------------------
# Formation → items
# ---------------------------------------------------------------------------------------------

class _Tags(dict):
    """'periode/debut' → '{ns}periode/{ns}debut', computed once per path (a plain dict lookup after)."""

    def __init__(self, ns: str) -> None:
        super().__init__()
        self.ns = ns

    def __missing__(self, path: str) -> str:
        t = self[path] = "/".join(f"{{{self.ns}}}{p}" for p in path.split("/"))
        return t


class _X:
    """Element helpers bound to one namespace (paths like 'periode/debut')."""

    __slots__ = ("ns", "tags")

    def __init__(self, ns: str) -> None:
        self.ns = ns
        self.tags = _Tags(ns)

    def tag(self, path: str) -> str:
        return self.tags[path]

    def text(self, el: Any, path: str) -> str | None:
        return el.findtext(self.tag(path)) if el is not None else None

    def texts(self, el: Any, path: str) -> list[str]:
        return [(x.text or "").strip() for x in el.iterfind(self.tag(path))] if el is not None else []

    def find(self, el: Any, path: str) -> Any:
        return el.find(self.tag(path)) if el is not None else None

    def findall(self, el: Any, path: str) -> list[Any]:
        return el.findall(self.tag(path)) if el is not None else []


class _Idx:
    """Children of one element by tag, built once (faster than repeated find/findtext)."""

    __slots__ = ("x", "t", "kids", "_extras")

    def __init__(self, x: _X, el: Any) -> None:
        self.x = x
        self.t = x.tags
        kids: dict[Any, list[Any]] = {}
        if el is not None:
            for child in el:
                tag = child.tag
                found = kids.get(tag)
                if found is None:
                    kids[tag] = [child]
                else:
                    found.append(child)
        self.kids = kids
        self._extras: dict[str | None, list[str]] | None = None

    def all(self, name: str) -> list[Any]:
        return self.kids.get(self.t[name], [])

    def first(self, name: str) -> Any:
        found = self.kids.get(self.t[name])
        return found[0] if found else None

    def text(self, name: str) -> str | None:
        found = self.kids.get(self.t[name])
        return (found[0].text or "") if found else None

    def texts(self, name: str) -> list[str]:
        return [(c.text or "").strip() for c in self.kids.get(self.t[name], [])]

    def extra(self, info: str) -> list[str]:
        """Values of `extras/…/extra[@info=info]` under this element (all read in one pass)."""
        if self._extras is None:
            by_info: dict[str | None, list[str]] = {}
            found = self.kids.get(self.t["extras"])
            if found:
                extra_tag = self.t["extra"]
                for extras in found:
                    for e in extras.iter(extra_tag):
                        by_info.setdefault(e.get("info"), []).append((e.text or "").strip())
            self._extras = by_info
        return self._extras.get(info, [])


_X_CACHE: dict[str, _X] = {}


def _x_for(formation: Any) -> _X:
    ns = etree.QName(formation).namespace or NS_23
    x = _X_CACHE.get(ns)
    if x is None:
        x = _X_CACHE[ns] = _X(ns)
    return x


@functools.cache
def mapper_fingerprint() -> bytes:
    """Digest of everything that decides how a fragment maps: this module, the rules, the schemas and
    the reference tables (code and data, communes included since importers resolve places with
    them). Any change makes every stored `source_hash` stale, so the next import maps all again."""
    here = os.path.dirname(os.path.abspath(__file__))
    app_dir = os.path.dirname(os.path.dirname(here))
    ref = os.path.join(app_dir, "reference")
    files = sorted(os.path.join(root, n) for root, _, names in os.walk(here) for n in names if n.endswith(".py"))
    files += [os.path.join(app_dir, "catalogue", n) for n in ("schemas.py", "locations.py")]
    for folder in (ref, os.path.join(ref, "data")):
        if os.path.isdir(folder):
            files += sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.endswith((".py", ".csv")))
    h = hashlib.sha256()
    for path in files:
        with open(path, "rb") as fh:
            h.update(os.path.basename(path).encode() + b"\0" + hashlib.sha256(fh.read()).digest())
    return h.digest()


def source_digest(fragment: str, version: str) -> str:
    """Digest of a serialised `formation` (personal contact fields removed: nothing maps them) and of
    the mapper: equal digests map to equal offers on the same day."""
    h = hashlib.sha256(mapper_fingerprint())
    h.update(version.encode())
    h.update(fragment.encode())
    return h.hexdigest()


def _serialise(formation: Any, x: _X, version: str) -> tuple[str, str]:
    """(the formation as kept — contacts redacted —, its digest): one serialisation serves both."""
    _redact_contacts(formation, x)
    whole = etree.tostring(formation, encoding="unicode", with_tail=False)
    return whole, source_digest(whole, version)


def map_formation(formation: Any, version: str, *, today: date, known: KnownFn | None = None) -> list[LheoItem]:
    """Map one `formation` element: one item per `action` (ParsedOffer, Skipped, Rejected, or
    Unchanged for the actions `known` already holds from this very fragment)."""
    x = _x_for(formation)
    formation_id = (formation.get("numero") or "").strip() or None
    actions = x.findall(formation, "action")
    refs = [(a.get("numero") or "").strip() or f"{formation_id or '?'}/action[{i + 1}]"
            for i, a in enumerate(actions)]
    digest: str | None = None
    whole = ""
    unchanged: set[str] = set()
    if known is not None:
        whole, digest = _serialise(formation, x, version)
        unchanged = {ref for a, ref in zip(actions, refs, strict=True) if a.get("numero") and known(ref, digest)}
        if actions and len(unchanged) == len(actions):
            return [Unchanged(ref, digest) for ref in refs]

    title = rules.clean_text(x.text(formation, "intitule-formation"))
    objective = rules.clean_text(x.text(formation, "objectif-formation"))
    content = rules.clean_text(x.text(formation, "contenu-formation"))
    raw_formacodes = x.texts(formation, "domaine-formation/code-FORMACODE")
    evidence = rules.fle_evidence([c.strip() for c in raw_formacodes], title, objective, content)
    if evidence is None:
        codes = ", ".join(c for c in raw_formacodes if c) or "aucun"
        reason = ("hors FLE : ni Formacode FLE (15235, 15226, 15217, 15043) ni mot-clé FLE dans l'intitulé, "
                  f"l'objectif ou le contenu (Formacodes : {codes})")
        return [Skipped(ref, reason) for ref in refs]
    if not actions:
        return [Rejected(formation_id or "?", ["formation FLE sans action : rien à importer"])]

    base_warnings: list[str] = []
    formacodes, w = rules.valid_codes(raw_formacodes, "formacode")
    base_warnings += w
    rome_codes, w = rules.valid_codes(x.texts(formation, "domaine-formation/code-ROME"), "rome")
    base_warnings += w
    resp = x.find(formation, "organisme-formation-responsable")
    org, w = rules.organisation(raison_sociale=x.text(resp, "raison-sociale"), nom=x.text(resp, "nom-organisme"),
                                siret=x.text(resp, "SIRET-organisme-formation/SIRET"))
    base_warnings += w
    f_stamp = _stamp(formation)
    certification = rules.certification_from_text(title, objective)
    summary = _summary(objective, content)

    if digest is None:
        whole, digest = _serialise(formation, x, version)
    raw_of = _raw_sources(formation, actions, whole)

    items: list[LheoItem] = []
    for i, (action, ref) in enumerate(zip(actions, refs, strict=True)):
        if ref in unchanged:
            items.append(Unchanged(ref, digest or ""))
            continue
        errors: list[str] = []
        if not (action.get("numero") or "").strip():
            errors.append("action sans numéro (attribut numero) : identifiant externe impossible")
        if not title:
            errors.append("intitulé de formation absent")
        if org is None:
            errors.append("organisme responsable sans raison sociale ni nom")
        if errors:
            items.append(Rejected(ref, errors))
            continue
        ctx = _FormationCtx(version, formation_id, title, objective, content, summary, formacodes, rome_codes,
                            org, certification, f_stamp, list(base_warnings))
        item = _map_action(action, ref, ctx, x, today, lambda i=i: raw_of(i))
        if isinstance(item, ParsedOffer):
            item.source_hash = digest
        items.append(item)
    return items


@dataclass(slots=True)
class _FormationCtx:
    version: str
    formation_id: str | None
    title: str | None
    objective: str | None
    content: str | None
    summary: str | None
    formacodes: list[str]
    rome_codes: list[str]
    organisation: dict[str, object] | None
    certification: str | None
    stamp: datetime | None
    warnings: list[str]


def _map_action(action: Any, ref: str, f: _FormationCtx, x: _X, today: date,
                raw: Callable[[], str]) -> LheoItem:
    warnings = f.warnings
    version = f.version
    ai = _Idx(x, action)

    funder_lines = []
    for fin in ai.all("organisme-financeur"):
        fi = _Idx(x, fin)
        funder_lines.append(rules.FunderLine(
            code=(fi.text("code-financeur") or "").strip(),
            programme=next((p for p in fi.extra("programme-financeur") if p), None),
            funded_places=rules.parse_int(fi.text("nb-places-financees")),
            public_codes=tuple(fi.extra("code-public-vise"))))
    funders, w = rules.funders_from_lheo(funder_lines, version)
    warnings += w
    programmes = [line.programme for line in funder_lines if line.programme]

    public_codes = [c for c in ai.texts("code-public-vise") if c]
    funder_public_codes = [c for line in funder_lines for c in line.public_codes if c]
    info_public = rules.clean_text(ai.text("info-public-vise"))
    conditions = rules.clean_text(ai.text("conditions-specifiques"))
    rythme = rules.clean_text(ai.text("rythme-formation"))
    recruitment = rules.clean_text(ai.text("modalites-recrutement"))
    perimeter_info = rules.clean_text(ai.text("infos-perimetre-recrutement"))
    pedagogy = rules.clean_text(ai.text("modalites-pedagogiques"))

    kind = rules.offer_kind(title=f.title, objective=f.objective, formacodes=f.formacodes,
                            public_codes=public_codes, funders=funders, rome_codes=f.rome_codes)
    bounds, w = rules.entry_level(conditions, info_public, f.title, f.objective)
    warnings += w
    target, w = rules.target_level(f.certification, f.objective, f.title)
    warnings += w
    literacy = rules.literacy_accepted(formacodes=f.formacodes, public_codes=public_codes,
                                       texts=[f.title, f.objective, conditions, info_public], kind=kind)
    sectors = rules.sectors(rome_codes=f.rome_codes, title=f.title, objective=f.objective, kind=kind,
                            formacodes=f.formacodes)
    mod, w = rules.modality(ai.text("modalites-enseignement"))
    warnings += w
    hours_total, hours_week, w = rules.hours(
        total=ai.text("nombre-heures-total"), centre=ai.text("nombre-heures-centre"),
        entreprise=ai.text("nombre-heures-entreprise"),
        duree_hebdo=next((v for v in ai.extra("duree-hebdo") if v), None), rythme=rythme)
    warnings += w
    schedule, w = rules.parse_schedule(rythme)
    warnings += w
    publics = rules.publics_from_text(f.title, f.objective, f.content, conditions, info_public, recruitment,
                                      perimeter_info)
    perimeter = (ai.text("code-perimetre-recrutement") or "").strip()
    if perimeter in {"1", "2"}:
        scope = "à la commune" if perimeter == "1" else "au département"
        warnings.append(f"recrutement limité {scope}" + (f" ({perimeter_info})" if perimeter_info else "")
                        + " : périmètre géographique non représenté dans le catalogue")
    cost = rules.cost_to_learner(frais_restants=ai.text("frais-restants"),
                                 prix_total=ai.text("prix-total-TTC"),
                                 detail_prise_en_charge=ai.text("detail-conditions-prise-en-charge"),
                                 funders=funders)
    child = rules.childcare(f.objective, f.content, conditions, info_public, pedagogy, rythme)

    loc: dict[str, object] | None = None
    if mod is not Modality.REMOTE:
        lieux = ai.all("lieu-de-formation")
        for lieu in lieux:
            adr = x.find(lieu, "coordonnees/adresse")
            loc, w = rules.location(lat=x.text(adr, "geolocalisation/latitude"),
                                    lon=x.text(adr, "geolocalisation/longitude"),
                                    insee=x.text(adr, "code-INSEE-commune"), postcode=x.text(adr, "codepostal"))
            warnings += w
            if loc is not None:
                break
        if len(lieux) > 1:
            warnings.append(f"{len(lieux)} lieux de formation : le premier exploitable est retenu pour les sessions")
        if loc is None:
            warnings.append("lieu de formation absent ou inexploitable : sessions sans lieu")

    rolling = (ai.text("modalites-entrees-sorties") or "").strip() == "1"
    action_perimee = any(v == "1" for v in ai.extra("action-perimee"))
    funded = rules.funded_places(funder_lines)
    stamps = [f.stamp, _stamp(action)]

    sessions: list[dict[str, object]] = []
    seen: set[str] = set()
    t_debut, t_fin, t_nb_places = x.tags["debut"], x.tags["fin"], x.tags["nb-places"]
    for j, sess in enumerate(ai.all("session")):
        si = _Idx(x, sess)
        sid = (sess.get("numero") or "").strip()
        if not sid:
            sid = f"{ref}-{j + 1}"
            warnings.append(f"session sans numéro : identifiant « {sid} » attribué (position dans l'action)")
        if sid in seen:
            warnings.append(f"session {sid} en double : seule la première est gardée")
            continue
        seen.add(sid)
        periode = si.first("periode")
        start = rules.parse_lheo_date(periode.findtext(t_debut) if periode is not None else None)
        end = rules.parse_lheo_date(periode.findtext(t_fin) if periode is not None else None, end=True)
        perimee = action_perimee or any(v == "1" for v in si.extra("session-perimee"))
        status, sw = rules.session_status(etat_recrutement=si.text("etat-recrutement"), perimee=perimee,
                                          end=end.value, today=today)
        sw += [d.warning for d in (start, end) if d.warning]
        recrutement = si.first("recrutement")
        places = rules.first_places(*([(e.text or "").strip() for e in recrutement.iterchildren(t_nb_places)]
                                      if recrutement is not None else ()),
                                    *si.extra("nb-places"), *si.extra("nb-places-disponibles"),
                                    *si.extra("places-disponibles"))
        capacity = rules.first_places(*x.texts(sess, "cycle/capacite-simultanee")) if si.all("cycle") else None
        warnings += [f"session {sid} : {m}" for m in sw]
        stamps.append(_stamp(sess))
        sessions.append({
            "external_id": sid[:120], "start_date": start.value, "end_date": end.value,
            "start_precision": start.precision, "end_precision": end.precision, "rolling_entry": rolling,
            "schedule": schedule, "location": loc, "capacity": capacity, "places_available": places,
            "funded_places": funded, "status": status,
        })
    if not sessions:
        warnings.append("action sans session")

    title = f.title or ""
    if len(title) > 500:
        warnings.append("intitulé tronqué à 500 caractères")
        title = title[:499] + "…"
    source_updated_at = rules.latest(*stamps)
    data = {
        "title": title, "summary": f.summary, "kind": kind, "organisation": f.organisation,
        "funders": funders, "entry_level": {"min": bounds.min, "max": bounds.max}, "target_level": target,
        "literacy_accepted": literacy, "sectors": sectors, "rome_codes": f.rome_codes, "formacodes": f.formacodes,
        "modality": mod, "hours_total": hours_total, "hours_per_week": hours_week, "publics": publics,
        "audience": rules.audience([*public_codes, *funder_public_codes], kind), "childcare": child,
        "cost_to_learner": cost, "certification": f.certification, "source_updated_at": source_updated_at,
        "formation_id": f.formation_id[:120] if f.formation_id else None, "sessions": sessions,
    }
    try:
        offer = OfferIn.model_validate(data)
    except ValidationError as exc:
        return Rejected(ref, [_format_error(e, sessions) for e in exc.errors()])
    return ParsedOffer(external_id=ref, formation_id=f.formation_id, offer=offer, raw_source=raw(),
                       warnings=warnings, source_updated_at=source_updated_at, version=version,
                       programmes=programmes)


def _format_error(err: Any, sessions: list[dict[str, object]]) -> str:
    """'sessions.2.end_date : …' → 'session <numero> : end_date : …'."""
    parts = list(err.get("loc", ()))
    if len(parts) >= 2 and parts[0] == "sessions" and isinstance(parts[1], int) and parts[1] < len(sessions):
        parts[:2] = [f"session {sessions[parts[1]]['external_id']}"]
    loc = " : ".join(str(p) for p in parts)
    msg = str(err.get("msg", "")).removeprefix("Value error, ")
    return f"{loc} : {msg}" if loc else msg


def _stamp(el: Any) -> datetime | None:
    return rules.parse_timestamp(el.get("horodatage-modification") or el.get("datemaj"))


def _summary(objective: str | None, content: str | None) -> str | None:
    parts = [p for p in (objective, content) if p]
    if not parts:
        return None
    s = "\n\n".join(parts)
    return s if len(s) <= 10_000 else s[:9_999] + "…"


def _redact_contacts(formation: Any, x: _X) -> None:
    personal = {x.tag(n) for n in _PERSONAL_FIELDS}
    for block in formation.iter(*(x.tag(b) for b in _CONTACT_BLOCKS)):
        for coord in block.iterfind(x.tag("coordonnees")):
            for child in [c for c in coord if c.tag in personal]:
                coord.remove(child)


def _raw_sources(formation: Any, actions: list[Any], whole: str) -> Callable[[int], str]:
    """raw_source per action: the formation with only that action (`whole` when it has one; else
    serialised lazily)."""
    if len(actions) == 1:
        return lambda _i: whole

    def one(i: int) -> str:
        # The other actions are taken out (with their tails), the formation serialised, and they are put
        # back where they were: no copy of the tree.
        keep = actions[i]
        others = [(formation.index(a), a) for a in actions if a is not keep]
        for _, a in others:
            formation.remove(a)
        try:
            return etree.tostring(formation, encoding="unicode", with_tail=False)
        finally:
            for index, a in others:
                formation.insert(index, a)

    return one
