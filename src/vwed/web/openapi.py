"""Print the app's OpenAPI schema without starting a server: `python -m vwed.web.openapi [OUT]`.

`make api-client` writes it to `frontend/openapi.json` and generates the UI's TypeScript types from it;
tests fail when either committed file is stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from vwed.config import Settings
from vwed.web.app import create_app


def schema() -> dict[str, Any]:
    """The OpenAPI document of `create_app()` with default settings."""
    spec: dict[str, Any] = create_app(Settings()).openapi()
    return spec


def render() -> str:
    """The schema as the committed file holds it."""
    return json.dumps(schema(), ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str]) -> None:
    """Write the schema to `argv[0]`, or to stdout."""
    text = render()
    if argv:
        Path(argv[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv[1:])
