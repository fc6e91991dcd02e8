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


@routes.get("/api/health/ready")
async def ready(request: web.Request) -> web.Response:
    """Readiness: the database, Redis when configured, and every background job's lease held and
    not overdue (some process is running it). 503 names what is not ready; no host names, no data."""
    services = request.app[services_key]
    checks: dict[str, object] = {}
    try:
        await services.store.db.command("ping")
        checks["database"] = "up"
    except Exception:
        checks["database"] = "down"
    if services.redis is None:
        checks["redis"] = "not configured"
    else:
        try:
            await services.redis.ping()
            checks["redis"] = "up"
        except Exception:
            checks["redis"] = "down"
    jobs: dict[str, str] = {}
    if checks["database"] == "up":
        now = services.clock.now()
        leases = {d["_id"]: d async for d in services.store.leases.find({}, {"expires_at": 1})}
        for job in services.jobs:
            lease = leases.get(job.name)
            jobs[job.name] = ("not started" if lease is None
                              else "running" if lease["expires_at"] > now else "overdue")
    checks["jobs"] = jobs
    ready = (checks["database"] == "up" and checks["redis"] != "down"
             and all(state == "running" for state in jobs.values()))
    return web.json_response({"ok": ready, **checks}, status=200 if ready else 503)


@routes.get("/api/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    return web.json_response(json.loads(OPENAPI_PATH.read_text()))
