"""HTTP for safeguarding: deciding on drafts, recording disclosures, listing flagged messages. Thin."""

from __future__ import annotations

from aiohttp import web

from advocacy.concerns.keys import concerns_key, safeguarding_key
from advocacy.web import json_body, ok, principal_of

routes = web.RouteTableDef()


@routes.post("/api/concerns/{concern}/confirm")
async def confirm(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    body = await json_body(request) if request.can_read_body else {}
    doc = await request.app[safeguarding_key].confirm(principal, request.match_info["concern"], body)
    return ok(concern=await request.app[concerns_key].view(principal, doc))


@routes.post("/api/concerns/{concern}/dismiss")
async def dismiss(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    doc = await request.app[safeguarding_key].dismiss(principal, request.match_info["concern"], await json_body(request))
    return ok(concern=await request.app[concerns_key].view(principal, doc))


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
