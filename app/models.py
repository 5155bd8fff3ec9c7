"""Imports every table module so `metadata` knows the whole schema (Alembic, tests)."""

from app.auth import models as auth_models  # noqa: F401
from app.catalogue import models as catalogue_models  # noqa: F401
from app.core import rate_buckets  # noqa: F401 - the rate_bucket table
from app.core.db import metadata
from app.imports import models as import_models  # noqa: F401
from app.prescriptions import models as prescription_models  # noqa: F401
from app.search import models as search_models  # noqa: F401

__all__ = ["metadata"]
