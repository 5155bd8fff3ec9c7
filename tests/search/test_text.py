"""Normalisation, stop words and synonyms (declared once for both engines)."""

from __future__ import annotations

from app.search.meili import index_settings
from app.search.text import fold, query_groups, query_words, synonym_table, typos_allowed


def test_fold_and_words():
    assert fold("Œuvre à l'École — Français") == "oeuvre a l ecole — francais"
    assert query_words("Le FLE pour l'hôtellerie à Bobigny") == ["fle", "hotellerie", "bobigny"]
    assert query_words("le la") == ["le", "la"]  # only stop words: kept
    assert query_words("  ") == []


def test_typo_thresholds_match_meilisearch():
    assert [typos_allowed(w) for w in ("alph", "alpha", "francais", "hotellerie")] == [0, 1, 1, 2]
    tol = index_settings()["typoTolerance"]["minWordSizeForTypos"]
    assert tol == {"oneTypo": 5, "twoTypos": 9}


def test_synonyms_are_mutual_and_phrases_group():
    table = synonym_table()
    assert ("france", "travail") in table[("pole", "emploi")]
    assert ("pole", "emploi") in table[("france", "travail")]
    assert ("alphabetisation",) in table[("alpha",)]
    groups = query_groups(["cours", "pole", "emploi"])
    assert groups[1] == (("pole", "emploi"), (("france", "travail"),))
    meili = index_settings()["synonyms"]
    assert meili["pole emploi"] == ["france travail"] and meili["fle"] == ["francais langue etrangere"]
