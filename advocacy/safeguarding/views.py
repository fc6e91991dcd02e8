"""HTTP for safeguarding: deciding on drafts, recording disclosures, listing flagged messages. Thin."""

from __future__ import annotations

from aiohttp import web

from advocacy.concerns.keys import safeguarding_key
from advocacy.concerns.views import concern_action
from advocacy.web import json_body, ok, principal_of

routes = web.RouteTableDef()


routes.post("/api/concerns/{concern}/confirm")(concern_action(safeguarding_key, "confirm", body_optional=True))
routes.post("/api/concerns/{concern}/dismiss")(concern_action(safeguarding_key, "dismiss"))


@routes.post("/api/children/{child}/disclosures")
async def disclose(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    disclosure = await request.app[safeguarding_key].disclose(principal, request.match_info["child"], await json_body(request))
    return ok(201, disclosure=disclosure)


@routes.get("/api/children/{child}/disclosures")
async def disclosures(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    return ok(disclosures=await request.app[safeguarding_key].disclosures(principal, request.match_info["child"]))


@routes.get("/api/children/{child}/flags")
async def flags(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    return ok(flags=await request.app[safeguarding_key].flags(principal, request.match_info["child"]))
