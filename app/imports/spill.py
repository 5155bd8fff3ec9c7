"""A spill file: records that wait on disk, compressed, so an import's memory stays flat however many
offers changed (the changed offers and fragment refreshes wait there until the publish)."""

from __future__ import annotations

import io
import pickle
import struct
import tempfile
import zlib
from collections.abc import Iterator
from typing import IO, Any


class Spill:
    """Append-only list of picklable records in a temporary file (zlib-compressed frames)."""

    FRAME = 200

    def __init__(self) -> None:
        self._file: IO[bytes] | None = None
        self._buffer: list[Any] = []
        self.count = 0

    def append(self, record: Any) -> None:
        self._buffer.append(record)
        self.count += 1
        if len(self._buffer) >= self.FRAME:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer:
            return
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="parcours-import-")  # noqa: SIM115 - closed by close()
        blob = zlib.compress(pickle.dumps(self._buffer, protocol=pickle.HIGHEST_PROTOCOL), 1)
        self._file.write(struct.pack("<I", len(blob)))
        self._file.write(blob)
        self._buffer = []

    def __iter__(self) -> Iterator[Any]:
        if self._file is not None:
            self._flush()
            self._file.seek(0)
            while head := self._file.read(4):
                (size,) = struct.unpack("<I", head)
                yield from pickle.loads(zlib.decompress(self._file.read(size)))
            self._file.seek(0, io.SEEK_END)
        yield from list(self._buffer)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._buffer = []
