"""HTTP for safeguarding: deciding on drafts, recording disclosures, listing flagged messages. Thin."""

from __future__ import annotations

from aiohttp import web

from advocacy.edge.concern_views import concern_action
from advocacy.edge.handlers import json_body, ok, principal_of
from advocacy.edge.keys import services_key

routes = web.RouteTableDef()


routes.post("/api/concerns/{concern}/confirm")(concern_action(lambda s: s.safeguarding.confirm, body_optional=True))
routes.post("/api/concerns/{concern}/dismiss")(concern_action(lambda s: s.safeguarding.dismiss))


@routes.post("/api/children/{child}/disclosures")
async def disclose(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    disclosure = await request.app[services_key].safeguarding.disclose(principal, request.match_info["child"],
                                                                       await json_body(request))
    return ok(201, disclosure=disclosure)


@routes.get("/api/children/{child}/disclosures")
async def disclosures(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    return ok(disclosures=await request.app[services_key].safeguarding.disclosures(
        principal, request.match_info["child"]))


@routes.get("/api/children/{child}/flags")
async def flags(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    return ok(flags=await request.app[services_key].safeguarding.flags(principal, request.match_info["child"]))
