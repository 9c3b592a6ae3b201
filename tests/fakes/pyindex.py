"""A tiny PEP 503 "simple" package index on 127.0.0.1, serving wheels and sdists built in the test.

`/simple/<name>/` lists a project's files with their sha256; `/files/<file>` serves them. Every request
path is recorded, so a test can tell what the installer fetched. Runs in a thread, so sync tests (the
hostile battery) and async ones can both use it.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import tarfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.servers import threaded_http


def normalize(name: str) -> str:
    """PEP 503 name normalisation."""
    return re.sub(r"[-_.]+", "-", name).lower()


def build_wheel(folder: Path, name: str = "vwedtinypkg", version: str = "0.1.0") -> Path:
    """A pure-Python wheel with one module whose `greet()` answers `hello from <name>`."""
    files = {
        f"{name}/__init__.py": f"def greet():\n    return 'hello from {name}'\n",
        f"{name}-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{name}-{version}.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = []
    for path, content in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(content.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(content.encode())}")
    record.append(f"{name}-{version}.dist-info/RECORD,,")
    files[f"{name}-{version}.dist-info/RECORD"] = "\n".join(record) + "\n"
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, content in files.items():
            archive.writestr(path, content)
    return wheel


def build_sdist(folder: Path, marker: Path, name: str = "vwedevilpkg", version: str = "1.0") -> Path:
    """An sdist whose build backend (`setup.py`) writes `marker` when anything runs it."""
    setup = (
        f"open({str(marker)!r}, 'w').write('build backend ran')\n"
        f"from setuptools import setup\nsetup(name={name!r}, version={version!r})\n"
    )
    pkg_info = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    target = folder / f"{name}-{version}.tar.gz"
    with tarfile.open(target, "w:gz") as archive:
        for path, content in {"setup.py": setup, "PKG-INFO": pkg_info}.items():
            data = content.encode()
            info = tarfile.TarInfo(f"{name}-{version}/{path}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return target


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class PackageIndex:
    """The running index: its URL, the files it serves, and the paths requested so far."""

    url: str
    files: dict[str, list[Path]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def add(self, name: str, path: Path) -> None:
        """Serve `path` as a file of project `name`."""
        self.files.setdefault(normalize(name), []).append(path)

    @property
    def simple(self) -> str:
        """The index URL an installer is given."""
        return f"{self.url}/simple"


@contextmanager
def package_index() -> Iterator[PackageIndex]:
    """Serve a `PackageIndex` on a free loopback port for the block."""
    index = PackageIndex(url="")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_HEAD(self) -> None:
            self.head_only = True
            self.do_GET()

        def do_GET(self) -> None:
            index.requests.append(f"{self.command} {self.path}")
            parts = [p for p in self.path.split("?", 1)[0].split("/") if p]
            if len(parts) == 2 and parts[0] == "simple":
                self._listing(normalize(parts[1]))
            elif len(parts) == 2 and parts[0] == "files":
                self._file(parts[1])
            else:
                self._send(404, b"not found", "text/plain")

        def _listing(self, project: str) -> None:
            files = index.files.get(project)
            if not files:
                self._send(404, b"no such project", "text/plain")
                return
            links = "".join(f'<a href="/files/{p.name}#sha256={_sha256(p)}">{p.name}</a>\n' for p in files)
            self._send(200, f"<!DOCTYPE html><html><body>\n{links}</body></html>".encode(), "text/html")

        def _file(self, name: str) -> None:
            for files in index.files.values():
                for path in files:
                    if path.name == name:
                        self._send(200, path.read_bytes(), "application/octet-stream")
                        return
            self._send(404, b"no such file", "text/plain")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not getattr(self, "head_only", False):
                self.wfile.write(body)

    with threaded_http(Handler) as port:
        index.url = f"http://127.0.0.1:{port}"
        yield index
