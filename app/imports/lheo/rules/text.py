"""Text as the rules read it: cleaned (`clean_text`), folded (`fold`), joined, and the figures in it.

Text matching runs on *folded* text (lower case, accents removed, typographic quotes and dashes
normalised), except for a few acronyms that are only trusted in capitals (ASL, CIR). `Needs` wraps
a rule's pattern with the words any match must contain, so most texts are passed over cheaply;
`Vocabulary` holds labels with the words that name them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Generic, TypeVar

_HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]{0,500})?/?>")
_EMPTY_MARKERS = {"", "-", "--", ".", "_", "/"}

_FOLD_TABLE = str.maketrans({
    **dict.fromkeys("àâäáãå", "a"), "ç": "c", **dict.fromkeys("éèêë", "e"), **dict.fromkeys("íìîï", "i"),
    "ñ": "n", **dict.fromkeys("óòôöõ", "o"), **dict.fromkeys("úùûü", "u"), **dict.fromkeys("ýÿ", "y"),
    "œ": "oe", "æ": "ae", **dict.fromkeys("’‘`´ʼ", "'"), **dict.fromkeys("‐‑‒–—―", "-"),
    **dict.fromkeys("\u00a0\u202f\u2009", " "), "«": '"', "»": '"',
})


def clean_text(raw: str | None) -> str | None:
    """Unescape HTML (Onisep feeds), drop HTML tags, collapse whitespace; `-` and blanks → None."""
    if raw is None:
        return None
    s = html.unescape(raw)
    if "<" in s:
        s = _HTML_TAG.sub(" ", s)
        s = html.unescape(s)
    s = " ".join(s.split())  # collapses \s+ runs and strips: str.split and \s share Unicode's whitespace
    if s.lower() in _EMPTY_MARKERS:
        return None
    return s


def fold(text: str | None) -> str:
    """Lower case, accents removed, quotes/dashes/spaces normalised: the form every regex runs on."""
    if not text:
        return ""
    return _fold(text)


@lru_cache(maxsize=4096)
def _fold(text: str) -> str:  # formation texts are folded once for all their actions and rules
    return text.lower().translate(_FOLD_TABLE)


class Needs:
    """A compiled pattern that can only match text containing one of `words`: `search` first looks
    for those with `in` (a C substring search), and runs the regex only when one is there. Most
    texts mention none of a rule's words, and Python's regex engine tries every alternative of a
    pattern at every position. Each word must occur in every possible match
    (tests/imports/test_rules_prefilters.py checks it on a corpus)."""

    __slots__ = ("rx", "words")

    def __init__(self, rx: re.Pattern[str], *words: str) -> None:
        self.rx, self.words = rx, words

    def search(self, text: str) -> re.Match[str] | None:
        for w in self.words:
            if w in text:
                return self.rx.search(text)
        return None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        for w in self.words:
            if w in text:
                return self.rx.finditer(text)
        return iter(())


Label = TypeVar("Label")


class Vocabulary(Generic[Label]):
    """Labels, each with the words that name it (a pattern on folded text), in order."""

    __slots__ = ("entries",)

    def __init__(self, words: Mapping[Label, str]) -> None:
        self.entries = [(label, re.compile(rx)) for label, rx in words.items()]

    def first_in(self, text: str) -> Label | None:
        """The first label (in order) whose words occur in `text`."""
        for label, rx in self.entries:
            if rx.search(text):
                return label
        return None

    def add_named(self, text: str, out: list[Label]) -> None:
        """Append to `out` every label named in `text` that it does not hold yet."""
        for label, rx in self.entries:
            if label not in out and rx.search(text):
                out.append(label)


def join_texts(*texts: str | None) -> str:
    """The non-empty texts, one per line (the raw form the capitals-only acronyms are searched in)."""
    return " \n ".join(t for t in texts if t)


def fold_joined(*texts: str | None) -> str:
    """fold(join_texts(*texts)), folding each part once (cached)."""
    return " \n ".join(_fold(t) for t in texts if t)


def parse_int(raw: str | None) -> int | None:
    s = (raw or "").strip().replace(" ", "").replace("\u00a0", "")
    return int(s) if s.isdigit() else None


def parse_number(raw: str | None) -> float | None:
    """'35', '12,5', '7.5 h' → float; else None."""
    m = re.search(r"\d+(?:[.,]\d+)?", raw or "")
    return float(m.group(0).replace(",", ".")) if m else None
