"""Test package (imported as ``tests``, so that ``tests.services`` is a pytest plugin)."""

import pytest

# tests/conftest.py imports helpers from tests.services before pytest loads it as a plugin.
pytest.register_assert_rewrite("tests.services")
