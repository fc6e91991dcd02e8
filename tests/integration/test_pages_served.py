"""How pages and their files are served: small over a slow connection, cached safely, and nothing outside web/."""

from __future__ import annotations

import gzip
import re

from advocacy.privacy.retention import load_retention
from advocacy.resources import RESOURCES


async def test_files_are_gzipped_and_a_versioned_address_may_be_cached_for_a_year(server):
    async with server.http() as http:
        async with http.get("/child/sign-in") as resp:
            page = await resp.text()
            assert resp.headers["Cache-Control"] == "no-store"  # pages may hold personal data
        css = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', page).group(1)
        async with http.get(css, headers={"Accept-Encoding": "gzip"}, auto_decompress=False) as resp:
            body = await resp.read()
            assert resp.headers["Content-Encoding"] == "gzip"
            assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert resp.headers["Content-Type"] == "text/css; charset=utf-8"
            etag = resp.headers["ETag"]
        source = (RESOURCES.static / "css" / "app.css").read_bytes()
        assert gzip.decompress(body) == source and len(body) < len(source) / 2
        async with http.get("/static/css/app.css", headers={"Accept-Encoding": "identity"}) as resp:
            assert await resp.read() == source
            assert "Content-Encoding" not in resp.headers
            assert resp.headers["Cache-Control"] == "no-cache"  # an address without the version: revalidated
        async with http.get("/static/css/app.css?v=0123456789ab") as resp:
            assert resp.headers["Cache-Control"] == "no-cache"  # an old version's address is not the file now
        async with http.get("/static/css/app.css", headers={"If-None-Match": etag}) as resp:
            assert resp.status == 304 and await resp.read() == b""
        vendor = re.search(r'src="(/vendor/socket\.io\.min\.js\?v=[0-9a-f]{12})"',
                           await (await http.get("/child")).text())
        assert vendor is None  # signed out: the chat page is not shown
        async with http.get("/vendor/socket.io.min.js", headers={"Accept-Encoding": "gzip"}) as resp:
            assert resp.status == 200 and resp.headers["Content-Encoding"] == "gzip"


async def test_only_files_under_web_static_are_served(server):
    async with server.http() as http:
        for path in ["/static/../../advocacy/app.py", "/static/%2e%2e/%2e%2e/pyproject.toml", "/static/css",
                     "/static/.hidden", "/static/css/missing.css", "/vendor/app.py"]:
            async with http.get(path) as resp:
                assert resp.status == 404, path


async def test_what_happens_to_what_a_child_says_gives_the_kept_times_from_the_policy(server):
    retention = load_retention()
    async with server.http() as http:
        async with http.get("/child/what-happens") as resp:
            assert resp.status == 200
            page = await resp.text()
    assert f"for {retention.years_after_leaving_care} years after you leave care" in page
    assert f"when you signed in for {retention.days_after_end} days" in page
    for word in ("safeguarding", "escalat", "concern", "LAC", "IRO", "s26A"):
        assert word not in page, f"{word!r} on a child's page"
