"""A child's language setting (/child/settings): the page and its form."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from advocacy.auth.permissions import may
from advocacy.edge.handlers import optional_principal, page_context, page_principal
from advocacy.edge.keys import services_key
from advocacy.edge.language import remember_language
from advocacy.errors import ServiceError

routes = web.RouteTableDef()
STAFF_ONLY = "This page is for young people. Staff use the console."


@routes.get("/child/settings", name="child_settings")
async def child_settings_page(request: web.Request) -> web.StreamResponse:
    principal = await page_principal(request, "page.child", "/child/sign-in", STAFF_ONLY)
    return aiohttp_jinja2.render_template("child/settings.html", request, page_context(
        request, "child-settings", principal.public(), saved="saved" in request.query))


@routes.post("/child/settings")
async def child_settings_save(request: web.Request) -> web.StreamResponse:
    """The language form: kept on the child's record and in the cookie, then the page again in it."""
    principal = await optional_principal(request)
    if principal is None or not may(principal.role, "page.child"):
        raise web.HTTPSeeOther("/child/sign-in")
    services = request.app[services_key]
    picked = (await request.post()).get("lang")
    if picked is None:  # nothing chosen: the page again
        return aiohttp_jinja2.render_template("child/settings.html", request, page_context(
            request, "child-settings", principal.public(), saved=False))
    if picked not in services.languages:
        raise ServiceError("bad_request", "Please choose one of the languages on the list. Nothing was changed.")
    await services.auth.child_language(principal.user_id, picked)
    response = web.Response(status=303, headers={"Location": "/child/settings?saved"})
    remember_language(response, request, picked)
    return response
