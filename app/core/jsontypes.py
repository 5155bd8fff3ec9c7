"""Scalar types for request fields: what the OpenAPI schema says, nothing more.

FastAPI validates a JSON body in pydantic's lax Python mode, which reads `false` as the integer 0,
`true` as 1.0, the number `0` as the date 1970-01-01 and `"0.5"` as a Unix timestamp. A client
that sends one of those has a bug; silently recording 1970-01-01 as an entry date or 0 places
hides it. Contract fuzzing found each of these (tests/fuzz/test_regressions.py).

- `JsonInt`, `JsonFloat`, `JsonBool`: pydantic strict mode (an integer is an int — not a bool, a
  float or a string; a number may be an int; a boolean is `true`/`false`).
- `IsoDate`, `IsoDatetime`: a `date`/`datetime` object (Python callers: importers, seed) or text
  starting with `YYYY-MM-DD`; never a number, nor a numeric string taken as a Unix timestamp.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic import Strict as _Strict

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _iso_text(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value
    if isinstance(value, str) and _ISO_DAY.match(value.strip()):
        return value
    raise ValueError("date attendue au format ISO 8601 (AAAA-MM-JJ, ou AAAA-MM-JJTHH:MM:SSZ)")


JsonInt = Annotated[int, _Strict()]
JsonFloat = Annotated[float, _Strict()]
JsonBool = Annotated[bool, _Strict()]
IsoDate = Annotated[date, BeforeValidator(_iso_text)]
IsoDatetime = Annotated[datetime, BeforeValidator(_iso_text)]
