"""The child's pages as an installable app, and their notifications.

- ``/child/manifest.webmanifest``: the web app manifest (name in the page's language, icons, start at the chat);
- ``/child/sw.js``: the service worker, for the scope ``/child``. It keeps only the app shell (the versioned
  styles, scripts and icons every child page loads, and a page that says "you're offline" with nothing
  personal on it); pages, ``/api/`` answers and the chat's traffic always go to the network and are never kept;
- ``/api/push`` and ``/api/push/subscription``: the child switches "You have a new message" on or off for
  this browser;
- ``/api/chat/unread``: how many messages wait unread (the count in the tab title and on the Chat tab).
"""

from __future__ import annotations

import hashlib
import json

import aiohttp_jinja2
from aiohttp import web

from advocacy.edge.handlers import json_body, ok, page_context, permission, principal_of
from advocacy.edge.keys import assets_key, services_key
from advocacy.edge.language import chosen_language
from advocacy.push.service import NEW_MESSAGE

routes = web.RouteTableDef()

SCOPE = "/child"
# What every child page loads: kept by the service worker so a page opens fast on a slow connection.
SHELL_ASSETS = ("css/app.css", "js/words.js", "js/quick-exit.js", "js/app.js", "js/chat.js", "js/child.js",
                "js/worries.js", "js/complaints.js", "socket.io.min.js", "img/icon.svg", "img/icon-192.png",
                "img/icon-512.png")
THEME = "#0d6660"


def _language(request: web.Request) -> str:
    return request.app[services_key].languages.pick(chosen_language(request))


@routes.get("/child/manifest.webmanifest")
async def manifest(request: web.Request) -> web.Response:
    services, assets = request.app[services_key], request.app[assets_key]
    code = _language(request)
    name = services.languages.gettext(code)("Your advocate")
    body = {
        "name": name,
        "short_name": name,
        "lang": "en-GB" if code == "en" else code,
        "dir": services.languages.get(code).direction,
        "start_url": SCOPE,
        "scope": SCOPE,
        "id": SCOPE,
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME,
        "icons": [
            {"src": assets.url("img/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": assets.url("img/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": assets.url("img/icon-maskable-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "maskable"},
            {"src": assets.url("img/icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
        ],
    }
    return web.Response(text=json.dumps(body, ensure_ascii=False), content_type="application/manifest+json")


@routes.get("/child/sw.js")
async def service_worker(request: web.Request) -> web.Response:
    assets = request.app[assets_key]
    code = _language(request)
    shell = [assets.url(path) for path in SHELL_ASSETS] + [f"/child/offline?lang={code}"]
    version = hashlib.sha256("\n".join(shell).encode()).hexdigest()[:12]
    text = aiohttp_jinja2.render_string("child/sw.js", request, {
        "shell": shell, "offline": shell[-1], "cache": f"shell-{version}", "icon": assets.url("img/icon-192.png"),
        "words": request.app[services_key].languages.write(NEW_MESSAGE, code)})
    # The worker serves the whole of /child (the chat page itself included), not only /child/.
    return web.Response(text=text, content_type="text/javascript", charset="utf-8",
                        headers={"Service-Worker-Allowed": SCOPE})


@routes.get("/child/offline")
async def offline_page(request: web.Request) -> web.StreamResponse:
    """What the app shows when a page cannot load: kept by the service worker, so it holds nothing personal."""
    return aiohttp_jinja2.render_template("child/offline.html", request, page_context(request, "child-offline"))


@routes.get("/api/push")
@permission("push.subscribe")
async def push_status(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    return ok(**await request.app[services_key].push.status(principal))


@routes.put("/api/push/subscription")
@permission("push.subscribe")
async def push_on(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    return ok(**await request.app[services_key].push.switch_on(principal, await json_body(request)))


@routes.delete("/api/push/subscription")
@permission("push.subscribe")
async def push_off(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    return ok(**await request.app[services_key].push.switch_off(principal, await json_body(request)))


@routes.get("/api/chat/unread")
@permission("chat.unread")
async def unread(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    return ok(unread=await request.app[services_key].chat.unread_for_child(principal))
