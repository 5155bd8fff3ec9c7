"""The pipes between the importer and a mapping worker (`python -m app.imports.lheo.workers`).

stdin: one pickle, `(path, (k, n), today, known, max_bytes)` — map the formations `index % n == k`.
stdout: length-prefixed pickles (4 bytes little-endian, then the pickle), one message each:

    ("items", [(formation index, [StagedItem, …]), …], bytes read)   batches, in document order
    then one of
    ("end", info, bytes read)                        the document ended normally
    ("error", code, message_fr, message_en, line)    the document was refused (`LheoDocumentError`)
    ("crash", traceback text)                        anything else
"""

from __future__ import annotations

import pickle
import struct
from typing import IO, Any

_SIZE = struct.Struct("<I")


def send_arguments(stdin: IO[bytes], *arguments: Any) -> None:
    stdin.write(pickle.dumps(arguments, protocol=pickle.HIGHEST_PROTOCOL))
    stdin.close()


def read_arguments(stdin: IO[bytes]) -> tuple:
    return pickle.load(stdin)


def send(out: IO[bytes], msg: tuple) -> None:
    payload = pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(_SIZE.pack(len(payload)))
    out.write(payload)
    out.flush()


def receive(stream: IO[bytes]) -> bytes | None:
    """One whole message, still pickled (`pickle.loads` it where it is used); None at the end of the
    stream or for a message cut short."""
    head = stream.read(4)
    if len(head) < 4:
        return None
    (size,) = _SIZE.unpack(head)
    payload = stream.read(size)
    return payload if len(payload) == size else None
