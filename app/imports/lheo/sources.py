"""What is kept of a `formation` as sent, and its digest: `raw_source` and `source_hash`.

* `raw_source` is the `formation` element serialised with only that action (its other actions
  removed), with personal contact fields (civilité, nom, prénom, portable, courriel of the
  `contact-*` blocks) removed — data minimisation (docs/imports.md, Records).
* `source_hash` is a digest of that serialised formation and of the mapper's fingerprint
  (`mapper_fingerprint()`): equal digests map to equal offers on the same day, so a re-import
  skips the actions it already holds from that very fragment.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable
from typing import Any

from lxml import etree

from app.imports.lheo.elements import Finder

_CONTACT_BLOCKS = ("contact-formation", "contact-organisme", "contact-formateur", "contact-session")
_PERSONAL_FIELDS = ("civilite", "nom", "prenom", "portable", "courriel")


@functools.cache
def mapper_fingerprint() -> bytes:
    """Digest of everything that decides how a fragment maps (`fingerprinted_files`). Any change
    makes every stored `source_hash` stale, so the next import maps all again."""
    h = hashlib.sha256()
    for path in fingerprinted_files():
        with open(path, "rb") as fh:
            h.update(os.path.basename(path).encode() + b"\0" + hashlib.sha256(fh.read()).digest())
    return h.digest()


def fingerprinted_files() -> list[str]:
    """Every module of this package (rules included, at any depth), the schemas and the reference
    tables (code and data, communes included since importers resolve places with them)."""
    here = os.path.dirname(os.path.abspath(__file__))
    app_dir = os.path.dirname(os.path.dirname(here))
    ref = os.path.join(app_dir, "reference")
    files = sorted(os.path.join(root, n) for root, _, names in os.walk(here) for n in names if n.endswith(".py"))
    files += [os.path.join(app_dir, "catalogue", n) for n in ("schemas.py", "locations.py")]
    for folder in (ref, os.path.join(ref, "data")):
        if os.path.isdir(folder):
            files += sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.endswith((".py", ".csv", ".toml")))
    return files


def source_digest(fragment: str, version: str) -> str:
    """Digest of a serialised `formation` (personal contact fields removed: nothing maps them) and of
    the mapper: equal digests map to equal offers on the same day."""
    h = hashlib.sha256(mapper_fingerprint())
    h.update(version.encode())
    h.update(fragment.encode())
    return h.hexdigest()


def serialise(formation: Any, finder: Finder, version: str) -> tuple[str, str]:
    """(the formation as kept — contacts redacted —, its digest): one serialisation serves both."""
    _redact_contacts(formation, finder)
    whole = etree.tostring(formation, encoding="unicode", with_tail=False)
    return whole, source_digest(whole, version)


def _redact_contacts(formation: Any, finder: Finder) -> None:
    personal = {finder.tag(n) for n in _PERSONAL_FIELDS}
    for block in formation.iter(*(finder.tag(b) for b in _CONTACT_BLOCKS)):
        for coord in block.iterfind(finder.tag("coordonnees")):
            for child in [c for c in coord if c.tag in personal]:
                coord.remove(child)


def raw_sources(formation: Any, actions: list[Any], whole: str) -> Callable[[int], str]:
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
