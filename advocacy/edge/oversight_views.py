"""HTTP for the oversight queue (reviewers only). Thin: authorise, call the queue, shape the answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from advocacy.edge.handlers import json_body, ok, signed_in_as
from advocacy.edge.keys import services_key

routes = web.RouteTableDef()


@routes.get("/api/oversight/items")
async def queue(request: web.Request) -> web.Response:
    principal = await signed_in_as(request, "oversight.queue")
    return ok(**await request.app[services_key].oversight.listing(principal, dict(request.query)))


@routes.get("/api/oversight/items/{item}")
async def read_item(request: web.Request) -> web.Response:
    principal = await signed_in_as(request, "oversight.read")
    return ok(item=await request.app[services_key].oversight.read(principal, request.match_info["item"]))


def _item_action(action: str, method: str, with_body: bool = True) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        principal = await signed_in_as(request, action)
        queue = request.app[services_key].oversight
        args = [principal, request.match_info["item"]]
        if with_body:
            args.append(await json_body(request))
        return ok(item=await getattr(queue, method)(*args))

    return handler


routes.post("/api/oversight/items/{item}/claim")(_item_action("oversight.claim", "claim", with_body=False))
routes.post("/api/oversight/items/{item}/release")(_item_action("oversight.claim", "release", with_body=False))
routes.post("/api/oversight/items/{item}/notes")(_item_action("oversight.note", "note"))
routes.post("/api/oversight/items/{item}/update-requests")(_item_action("oversight.request_update", "request_update"))
routes.post("/api/oversight/items/{item}/updates")(_item_action("oversight.record_update", "record_update"))
routes.post("/api/oversight/items/{item}/representations")(_item_action("oversight.representation", "representation"))
routes.post("/api/oversight/items/{item}/close")(_item_action("oversight.close", "close"))
