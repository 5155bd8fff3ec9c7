"""Path parameters every router shares, declared once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from app.catalogue.schemas import SOURCE_PATTERN

Id = Annotated[int, Path(ge=1, le=2**62)]
SourcePath = Annotated[str, Path(pattern=SOURCE_PATTERN, description="Source, e.g. carif-idf or of-<siret>")]
# Starts with a letter or digit: "." and ".." would be dot-segments, which clients and proxies collapse.
ExternalIdPath = Annotated[str, Path(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:\-]*$")]
