"""Files browsers load (CSS, JavaScript, images): gzipped for slow connections, and versioned so they can be cached.

Templates ask for ``{{ asset('css/app.css') }}``, which is ``/static/css/app.css?v=HASH``: a request carrying
the file's current hash may be cached for a year (a changed file gets a new hash, so a new URL); one without
it (an older page, a hand-typed address) is revalidated each time with its ETag. Text files are sent gzipped
to browsers that accept it, compressed once and kept in memory until the file changes.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import mimetypes
import stat
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

COMPRESSIBLE = {".css", ".js", ".svg", ".map", ".json", ".txt", ".html"}
TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".map": "application/json"}
FOREVER = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class _File:
    stamp: tuple[int, int]  # (mtime_ns, size): read again when either changes
    version: str
    body: bytes
    gzipped: bytes | None
    content_type: str


class Assets:
    """Serves files under ``root`` (``/static/{path}``) and named files elsewhere (``/vendor/{name}``)."""

    def __init__(self, root: Path, named: dict[str, Path]) -> None:
        self.root = root.resolve()
        self.named = named
        self._files: dict[Path, _File] = {}

    def url(self, path: str) -> str:
        """The versioned URL of a named file or of a file under the static root (for templates)."""
        base = f"/vendor/{path}" if path in self.named else f"/static/{path}"
        found = self._load(self.named.get(path) or self.root / path)
        return f"{base}?v={found.version}" if found else base

    def _load(self, path: Path) -> _File | None:
        try:
            st = path.stat()
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        stamp = (st.st_mtime_ns, st.st_size)
        known = self._files.get(path)
        if known and known.stamp == stamp:
            return known
        body = path.read_bytes()
        kind = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in {"application/json", "image/svg+xml"}:
            kind += "; charset=utf-8"
        squeezed = gzip.compress(body, 9, mtime=0) if path.suffix in COMPRESSIBLE else None
        found = _File(stamp, hashlib.sha256(body).hexdigest()[:12], body,
                      squeezed if squeezed and len(squeezed) < len(body) else None, kind)
        self._files[path] = found
        return found

    async def respond(self, request: web.Request, path: Path) -> web.Response:
        found = await asyncio.to_thread(self._load, path)
        if found is None:
            raise web.HTTPNotFound()
        headers = {
            "ETag": f'"{found.version}"',
            "Cache-Control": FOREVER if request.query.get("v") == found.version else "no-cache",
            "Vary": "Accept-Encoding",
        }
        if f'"{found.version}"' in request.headers.get("If-None-Match", ""):
            return web.Response(status=304, headers=headers)
        body = found.body
        if found.gzipped and "gzip" in request.headers.get("Accept-Encoding", "").lower():
            body = found.gzipped
            headers["Content-Encoding"] = "gzip"
        headers["Content-Type"] = found.content_type
        return web.Response(body=body, headers=headers)

    async def static_file(self, request: web.Request) -> web.Response:
        path = (self.root / request.match_info["path"]).resolve()
        if not path.is_relative_to(self.root) or any(part.startswith(".")
                                                     for part in path.relative_to(self.root).parts):
            raise web.HTTPNotFound()
        return await self.respond(request, path)

    async def named_file(self, request: web.Request) -> web.Response:
        path = self.named.get(request.match_info["name"])
        if path is None:
            raise web.HTTPNotFound()
        return await self.respond(request, path)


