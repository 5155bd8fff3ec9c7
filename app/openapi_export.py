"""Print the OpenAPI document as YAML: `python -m app.openapi_export > openapi.yaml`."""

from __future__ import annotations

import sys

import yaml

from app.core.settings import Settings
from app.main import create_app


def openapi_yaml() -> str:
    app = create_app(Settings(database_url="sqlite://"))
    return yaml.safe_dump(app.openapi(), sort_keys=False, allow_unicode=True, width=120)


if __name__ == "__main__":
    sys.stdout.write(openapi_yaml())
