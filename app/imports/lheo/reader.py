"""Streaming reader of an LHÉO 2.2 / 2.3 document, and its guard against hostile XML.

`iter_formations(source)` yields each `formation` element (each `resume-offre` of an lheo-index)
with the document's version; mapping them is `app.imports.lheo.formation`'s job.

* The version comes from the root namespace (`http://www.lheo.org/2.2`, `http://lheo.gouv.fr/2.3`).
  Roots `lheo` and `lheo-plus` are imported; `lheo-index` holds summaries only; any other root
  raises `LheoDocumentError`.
* Streaming: `lxml.etree.iterparse` on `formation` end events; each formation is cleared and its
  previous siblings deleted once the consumer moves on, so memory does not grow with the file. The
  root is first read by a small pull parser on the head of the stream (same hostile-XML settings)
  so a non-LHÉO or hostile document fails before anything is yielded.
* Hostile XML is refused: entities are never resolved, no network, no DTD loading, no huge tree;
  a DOCTYPE declaring any entity (billion laughs, XXE) raises `LheoDocumentError("hostile")`.
  Input above `max_bytes` (counted after gunzip: gzip input is accepted) raises ("too_large").
* `LheoDocumentError` may come after formations were yielded (a truncated file is noticed at its
  end): callers stage everything and apply nothing unless the iterator finishes normally.
"""

from __future__ import annotations

import gzip
import io
import os
import re
from collections.abc import Iterator
from typing import IO, Any

from lxml import etree

NS_22 = "http://www.lheo.org/2.2"
NS_23 = "http://lheo.gouv.fr/2.3"
VERSIONS: dict[str, str] = {NS_22: "2.2", NS_23: "2.3"}
DEFAULT_MAX_BYTES = 200 * 1024 * 1024

# Hostile-XML settings shared by every parser of this module (the root sniffer and iterparse).
_SAFE: dict[str, Any] = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}
_CHUNK = 64 * 1024
_ROOTS = {"lheo", "lheo-plus", "lheo-index"}


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


Source = str | os.PathLike[str] | bytes | bytearray | IO[bytes]


def iter_formations(source: Source, *, max_bytes: int = DEFAULT_MAX_BYTES,
                    info: dict[str, Any] | None = None) -> Iterator[tuple[Any, str, bool]]:
    """`(element, version, summary)` for each `formation` of the document in order (each `resume-offre`
    of an lheo-index, `summary` True). An element is released (with what precedes it) once the
    consumer asks for the next one. `info` also receives `formations`, their number, at the end."""
    stream, owned = _open(source)
    try:
        reader = _GuardedInput(stream, max_bytes)
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


def _open(source: Source) -> tuple[IO[bytes], bool]:
    if isinstance(source, (bytes, bytearray)):
        return io.BytesIO(bytes(source)), True
    if isinstance(source, (str, os.PathLike)):
        return open(source, "rb"), True  # noqa: SIM115 - closed by iter_formations
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


class _GuardedInput:
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


def _sniff_root(reader: _GuardedInput) -> tuple[str, str]:
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


def _syntax_error(exc: etree.XMLSyntaxError, reader: _GuardedInput) -> LheoDocumentError:
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
