"""The LHÉO 2.2 / 2.3 format: an XML feed → offers ready to stage (pure: no database, no HTTP).

From bytes to items, in reading order:

    reader.py      streaming reader and its hostile-XML guard: `iter_formations`, `LheoDocumentError`
    elements.py    reading elements in one namespace (`Finder`, `ChildIndex`, `modified_at`)
    formation.py   `parse_lheo`, `items_of`, `map_formation`: one item per action
    action.py      one action → `ParsedOffer` (or `Rejected`), mapped by what it says
    sessions.py    an action's sessions
    sources.py     raw source kept per action, its digest, the mapper's fingerprint
    rules/         the pure mapping rules, one module per family
    workers.py     mapping in worker processes (`feed_mapper`), `messages.py` their pipe protocol

Nothing is imported here: a caller that only needs `LheoDocumentError` loads `reader` alone.
"""
