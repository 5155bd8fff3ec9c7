"""Search text rules, declared once for both engines: normalisation, French stop words, synonyms,
typo thresholds.

The embedded engine applies them itself; the Meilisearch adapter sends the same stop words and
synonyms in the index settings and sends queries already normalised by `query_words`, so both
engines see the same words.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Typo tolerance (same as Meilisearch's defaults): one typo from 5 letters, two from 9.
ONE_TYPO_FROM = 5
TWO_TYPOS_FROM = 9

MAX_QUERY_WORDS = 10

# Short on purpose: words that carry no meaning in a course title or a query. Never a word that
# could be a course or a place ("fle", "cir", "asl", "pro"…).
_STOP_WORDS = """
a au aux avec ce ces c d dans de des du elle en et il ils j l la le les leur leurs lui m ma mes
n ne nos notre nous on ou par pas pour qu que qui s sa se ses son sur t ta te tes un une vos
votre vous y est sont
"""
STOP_WORDS: frozenset[str] = frozenset(_STOP_WORDS.split())

# Groups of equivalent phrases (any phrase finds the others). Written as advisers type them;
# normalised by `phrase_words` before use.
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("fle", "français langue étrangère"),
    ("fli", "français langue d'intégration"),
    ("flp", "français langue professionnelle", "fle pro"),
    ("fos", "français sur objectif spécifique"),
    ("alpha", "alphabétisation"),
    ("pôle emploi", "france travail"),
    ("asl", "atelier sociolinguistique"),
    ("cir", "contrat d'intégration républicaine"),
    ("ofii", "office français de l'immigration et de l'intégration"),
    ("delf", "diplôme d'études en langue française"),
    ("tcf", "test de connaissance du français"),
    ("dilf", "diplôme initial de langue française"),
    ("btp", "bâtiment"),
    ("aide à domicile", "auxiliaire de vie"),
)

_COMBINING = re.compile(r"[\u0300-\u036f]")
_WORD = re.compile(r"[^\W_]+")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "’": " ", "'": " "})


def fold(text: str) -> str:
    """Lower case, accents removed, ligatures expanded (« Œuvre » → « oeuvre »)."""
    text = text.translate(_LIGATURES)
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return text.lower()


def words(text: str | None) -> list[str]:
    """Every word of a text, folded (stop words kept: indexing positions do not matter here)."""
    if not text:
        return []
    return _WORD.findall(fold(text))


def index_words(text: str | None) -> set[str]:
    """The distinct words a document is found by."""
    return {w for w in words(text) if w not in STOP_WORDS}


def query_words(q: str | None) -> list[str]:
    """The words of a query: folded, stop words dropped (unless nothing else is left), at most
    MAX_QUERY_WORDS."""
    ws = words(q)
    kept = [w for w in ws if w not in STOP_WORDS] or ws
    return kept[:MAX_QUERY_WORDS]


def typos_allowed(word: str) -> int:
    n = len(word)
    return 2 if n >= TWO_TYPOS_FROM else 1 if n >= ONE_TYPO_FROM else 0


def phrase_words(phrase: str) -> tuple[str, ...]:
    return tuple(w for w in words(phrase) if w not in STOP_WORDS)


@lru_cache(maxsize=1)
def synonym_table() -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Normalised phrase → its equivalent phrases."""
    table: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for group in SYNONYM_GROUPS:
        phrases = [phrase_words(p) for p in group]
        for p in phrases:
            table.setdefault(p, [])
            table[p] += [o for o in phrases if o != p and o not in table[p]]
    return {k: tuple(v) for k, v in table.items()}


def meili_synonyms() -> dict[str, list[str]]:
    """The same table in Meilisearch's format (normalised phrases, as queries are sent)."""
    return {" ".join(k): [" ".join(p) for p in v] for k, v in synonym_table().items()}


MAX_PHRASE = max(len(k) for k in synonym_table())


def query_groups(ws: list[str]) -> list[tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]]:
    """Split query words into groups: `(typed phrase, equivalent phrases)`. A group's typed phrase
    is one word, or several when they form a synonym phrase (« pôle emploi »)."""
    table = synonym_table()
    out = []
    i = 0
    while i < len(ws):
        for n in range(min(MAX_PHRASE, len(ws) - i), 0, -1):
            phrase = tuple(ws[i:i + n])
            if phrase in table:
                out.append((phrase, table[phrase]))
                i += n
                break
        else:
            out.append(((ws[i],), ()))
            i += 1
    return out
