"""HTTP handlers for a child's data export (staff only), and the page telling children what happens to what they say."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from advocacy.edge.handlers import optional_principal, page_context, permission, principal_of
from advocacy.edge.keys import services_key
from advocacy.privacy.export import render_html

routes = web.RouteTableDef()


async def _export(request: web.Request, form: str) -> dict:
    services = request.app[services_key]
    principal = await principal_of(request)
    child = await services.access.child(principal, "child.export", request.match_info["child"])
    return await services.export.export(child["_id"], by=principal, form=form)


@routes.get("/api/children/{child}/export")
@permission("child.export")
async def export_json(request: web.Request) -> web.Response:
    return web.json_response({"ok": True, "export": await _export(request, "json")})


@routes.get("/api/children/{child}/export.html")
@permission("child.export")
async def export_html(request: web.Request) -> web.Response:
    data = await _export(request, "html")
    return web.Response(
        text=render_html(data), content_type="text/html",
        headers={"Content-Disposition": f'attachment; filename="{data["about_you"]["id"]}.html"'},
    )


@routes.get("/child/what-happens", name="child_what_happens")
async def what_happens_page(request: web.Request) -> web.StreamResponse:
    """For anyone, signed in or not: a child should know this before they say anything."""
    principal = await optional_principal(request)
    return aiohttp_jinja2.render_template("child/what_happens.html", request, page_context(
        request, "child-what-happens", principal.public() if principal else None,
        retention=request.app[services_key].retention.retention))
