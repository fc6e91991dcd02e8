"""The site's own pages and endpoints: the home page, the front-end packages, health and the API's description."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp_jinja2
from aiohttp import web

from advocacy.edge.handlers import ok, page_context
from advocacy.edge.keys import assets_key, services_key

OPENAPI_PATH = Path(__file__).with_name("openapi.json")

routes = web.RouteTableDef()


@routes.get("/", name="home")
@aiohttp_jinja2.template("index.html")
async def home(request: web.Request) -> dict[str, object]:
    return page_context(request, "home")


@routes.get("/vendor/{name}")
async def vendor_file(request: web.Request) -> web.StreamResponse:
    return await request.app[assets_key].named_file(request)


@routes.get("/api/health")
async def health(request: web.Request) -> web.Response:
    await request.app[services_key].store.db.command("ping")
    return ok(database="up")


@routes.get("/api/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    return web.json_response(json.loads(OPENAPI_PATH.read_text()))
