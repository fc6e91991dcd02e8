"""HTTP handlers for a child's data export (staff only)."""

from __future__ import annotations

from aiohttp import web

from advocacy import audit
from advocacy.privacy import export
from advocacy.web import auth_key, permission, principal_of

routes = web.RouteTableDef()


async def _export(request: web.Request, form: str) -> dict:
    from advocacy.app import chat_key  # the app module builds on this one

    auth = request.app[auth_key]
    principal = await principal_of(request)
    child = await auth.child_in_scope(principal, "child.export", request.match_info["child"])
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
