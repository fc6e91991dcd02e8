"""HTTP handlers for a child's data export (staff only), and the page telling children what happens to what they say."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from advocacy import audit
from advocacy.privacy import export
from advocacy.views import page_context
from advocacy.web import auth_key, optional_principal, permission, principal_of

routes = web.RouteTableDef()


async def _export(request: web.Request, form: str) -> dict:
    from advocacy.app import chat_key  # the app module builds on this one

    auth = request.app[auth_key]
    principal = await principal_of(request)
    child = await auth.access.child(principal, "child.export", request.match_info["child"])
    data = await export.gather(auth.store, request.app[chat_key], auth.clock, child["_id"])
    await audit.record(auth.store, auth.clock, **audit.by(principal), action="child.export", subject=child["_id"],
                       form=form)
    return data


@routes.get("/api/children/{child}/export")
@permission("child.export")
async def export_json(request: web.Request) -> web.Response:
    return web.json_response({"ok": True, "export": await _export(request, "json")})


@routes.get("/api/children/{child}/export.html")
@permission("child.export")
async def export_html(request: web.Request) -> web.Response:
    data = await _export(request, "html")
    return web.Response(
        text=export.render_html(data), content_type="text/html",
        headers={"Content-Disposition": f'attachment; filename="{data["about_you"]["id"]}.html"'},
    )


@routes.get("/child/what-happens", name="child_what_happens")
async def what_happens_page(request: web.Request) -> web.StreamResponse:
    """For anyone, signed in or not: a child should know this before they say anything."""
    from advocacy.app import retention_key

    principal = await optional_principal(request)
    return aiohttp_jinja2.render_template("child/what_happens.html", request, page_context(
        request, "child-what-happens", principal.public() if principal else None,
        retention=request.app[retention_key].retention))
