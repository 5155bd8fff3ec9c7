"""Imports every table module so `metadata` knows the whole schema (Alembic, tests)."""

from app.auth import models as auth_models  # noqa: F401
from app.catalogue import models as catalogue_models  # noqa: F401
from app.db import metadata

__all__ = ["metadata"]
