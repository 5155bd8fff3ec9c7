"""Reading LHÉO elements in one namespace: `Finder` (paths like 'periode/debut' under an element),
`ChildIndex` (the children of one element grouped by tag, read many times) and `modified_at`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lxml import etree

from app.imports.lheo.reader import NS_23
from app.imports.lheo.rules.dates import parse_timestamp


class QualifiedPaths(dict):
    """'periode/debut' → '{ns}periode/{ns}debut', computed once per path (a plain dict lookup after)."""

    def __init__(self, ns: str) -> None:
        super().__init__()
        self.ns = ns

    def __missing__(self, path: str) -> str:
        t = self[path] = "/".join(f"{{{self.ns}}}{p}" for p in path.split("/"))
        return t


class Finder:
    """Finds under an element by path ('periode/debut') in one namespace; a missing element (None) finds nothing."""

    __slots__ = ("ns", "paths")

    def __init__(self, ns: str) -> None:
        self.ns = ns
        self.paths = QualifiedPaths(ns)

    def tag(self, path: str) -> str:
        return self.paths[path]

    def text(self, el: Any, path: str) -> str | None:
        return el.findtext(self.tag(path)) if el is not None else None

    def texts(self, el: Any, path: str) -> list[str]:
        return [(x.text or "").strip() for x in el.iterfind(self.tag(path))] if el is not None else []

    def find(self, el: Any, path: str) -> Any:
        return el.find(self.tag(path)) if el is not None else None

    def findall(self, el: Any, path: str) -> list[Any]:
        return el.findall(self.tag(path)) if el is not None else []


class ChildIndex:
    """Children of one element by tag, built once (faster than repeated find/findtext)."""

    __slots__ = ("paths", "kids", "_extras")

    def __init__(self, finder: Finder, el: Any) -> None:
        self.paths = finder.paths
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
        return self.kids.get(self.paths[name], [])

    def first(self, name: str) -> Any:
        found = self.kids.get(self.paths[name])
        return found[0] if found else None

    def text(self, name: str) -> str | None:
        found = self.kids.get(self.paths[name])
        return (found[0].text or "") if found else None

    def texts(self, name: str) -> list[str]:
        return [(c.text or "").strip() for c in self.kids.get(self.paths[name], [])]

    def extra(self, info: str) -> list[str]:
        """Values of `extras/…/extra[@info=info]` under this element (all read in one pass)."""
        if self._extras is None:
            by_info: dict[str | None, list[str]] = {}
            found = self.kids.get(self.paths["extras"])
            if found:
                extra_tag = self.paths["extra"]
                for extras in found:
                    for e in extras.iter(extra_tag):
                        by_info.setdefault(e.get("info"), []).append((e.text or "").strip())
            self._extras = by_info
        return self._extras.get(info, [])


_FINDERS: dict[str, Finder] = {}


def finder_for(formation: Any) -> Finder:
    """The `Finder` of the formation's namespace (one per namespace, kept)."""
    ns = etree.QName(formation).namespace or NS_23
    finder = _FINDERS.get(ns)
    if finder is None:
        finder = _FINDERS[ns] = Finder(ns)
    return finder


def modified_at(el: Any) -> datetime | None:
    """When an element (formation, action, session) was last modified: 2.3 `horodatage-modification`,
    2.2 `datemaj`."""
    return parse_timestamp(el.get("horodatage-modification") or el.get("datemaj"))
