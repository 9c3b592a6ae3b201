"""The built web UI at `/` (history-mode routes fall back to `index.html`) and the offline `/docs` page.

The UI is built from `frontend/` into `src/vwed/web/ui/` (`make run` does it when missing or stale) and
ships in the package. Files are served from a table made when the app is built, so no request path is
ever joined to a directory: what is not in the table is a client-side route or a 404.
"""

from __future__ import annotations

import html
import importlib.resources
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.convertors import Convertor, register_url_convertor

from vwed.errors import NotFound


class UiPath(Convertor[str]):
    """A path the UI may own: anything but the server's own prefixes.

    Those are kept out of the route's pattern, not refused inside it, so an unknown `/api/...` path
    with any method stays the API's 404 (a catch-all GET would turn a POST into a 405).
    """

    regex = r"(?!(?:api|docs|openapi\.json|metrics|redoc)(?:/|$)).*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("uipath", UiPath())
# Vite puts content-hashed names under assets/: they never change, so browsers may keep them.
IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"


@dataclass(frozen=True)
class StaticFile:
    """One file of the built UI, as it will be answered."""

    path: Path
    media_type: str
    cache_control: str


def default_ui_dir() -> Path:
    """Where the package keeps the built UI."""
    return Path(str(importlib.resources.files("vwed.web"))) / "ui"


def scan(ui_dir: Path) -> dict[str, StaticFile]:
    """Every file under `ui_dir` by its URL path (`assets/index-abc.js`), symlinks left out."""
    files: dict[str, StaticFile] = {}
    if not ui_dir.is_dir():
        return files
    for path in sorted(ui_dir.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        name = path.relative_to(ui_dir).as_posix()
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        cache = IMMUTABLE if name.startswith("assets/") else NO_CACHE
        files[name] = StaticFile(path, media_type, cache)
    return files


def _answer(file: StaticFile) -> FileResponse:
    return FileResponse(file.path, media_type=file.media_type, headers={"Cache-Control": file.cache_control})


MISSING_UI = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>VWED</title></head>
<body><h1>The web UI is not built</h1><p>Run <code>make run</code> (it builds <code>frontend/</code> with
<code>npm ci</code>), or use the API: <a href="/docs">/docs</a>.</p></body></html>"""

# Swagger UI from the package's own copy of swagger-ui-dist; the start-up script is a file, not inline,
# so the page works under a Content-Security-Policy of 'self'.
DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="/swagger/swagger-ui.css">
<link rel="icon" href="/favicon.svg">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
<script src="/swagger/swagger-ui-bundle.js"></script>
<script src="/swagger/init.js"></script>
</body>
</html>
"""


def install(app: FastAPI, ui_dir: Path | None) -> None:
    """Serve `/docs` and the UI in `ui_dir` (the package's by default); call after every API router."""
    files = scan(ui_dir or default_ui_dir())
    index = files.get("index.html")
    docs_page = DOCS_PAGE.format(title=html.escape(app.title), openapi_url=html.escape(app.openapi_url or ""))

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(docs_page, headers={"Cache-Control": NO_CACHE})

    @app.get("/{path:uipath}", include_in_schema=False)
    async def ui(path: str, request: Request) -> Response:
        file = files.get(path)
        if file is not None and path != "index.html":
            return _answer(file)
        if path.startswith("assets/"):
            raise NotFound("route_not_found", path=request.url.path)
        if index is None:
            return HTMLResponse(MISSING_UI, status_code=503)
        return _answer(index)
