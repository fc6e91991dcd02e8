"""HTTP for interpreters in a chat: the advocate asks, the child answers or ends it (on their chat page,
plain forms that work without JavaScript, or the JSON API), and the interpreter's own page.
Thin: parse, call ``Interpreting`` (which checks whose conversation it is), shape the answer."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from advocacy.auth.permissions import may
from advocacy.edge.chat_views import child_chat_page
from advocacy.edge.handlers import (
    json_body,
    ok,
    optional_principal,
    page_context,
    permission,
    principal_of,
    settings_of,
    staff_page,
)
from advocacy.edge.keys import services_key
from advocacy.errors import ServiceError
from advocacy.spoken_languages import by_name

routes = web.RouteTableDef()


@routes.get("/api/interpreters")
@permission("interpreting.interpreters")
async def list_interpreters(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    return ok(interpreters=await request.app[services_key].interpreting.interpreters(principal))


@routes.get("/api/conversations/{conversation}/interpreter")
@permission("interpreting.read")
async def current_interpreter(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    return ok(interpreting=await request.app[services_key].interpreting.current(
        principal, request.match_info["conversation"]))


@routes.post("/api/conversations/{conversation}/interpreter")
@permission("interpreting.invite")
async def invite_interpreter(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    body = await json_body(request)
    return ok(201, interpreting=await request.app[services_key].interpreting.invite(
        principal, request.match_info["conversation"], body))


@routes.post("/api/interpreting/{invitation}/answer")
@permission("interpreting.answer")
async def answer_interpreter(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    body = await json_body(request)
    return ok(interpreting=await request.app[services_key].interpreting.answer(
        principal, request.match_info["invitation"], body))


@routes.post("/api/interpreting/{invitation}/end")
@permission("interpreting.end")
async def end_interpreter(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    return ok(interpreting=await request.app[services_key].interpreting.end(
        principal, request.match_info["invitation"]))


@routes.post("/child/interpreter")
async def child_interpreter_form(request: web.Request) -> web.StreamResponse:
    """The buttons on the child's chat page: yes, no, or end it now. Each is safe to send twice
    (a second one finds it answered or ended, and the page says nothing more)."""
    principal = await optional_principal(request)
    if principal is None or not may(principal.role, "page.child"):
        raise web.HTTPSeeOther("/child/sign-in")
    form = await request.post()
    action, invitation = form.get("action"), form.get("invitation")
    if action is None:  # nothing chosen: the chat page again
        return await child_chat_page(request)
    if action not in {"yes", "no", "end"} or not isinstance(invitation, str):
        raise ServiceError("bad_request")
    interpreting = request.app[services_key].interpreting
    try:
        if action == "end":
            await interpreting.end(principal, invitation)
        else:
            await interpreting.answer(principal, invitation, {"agree": action == "yes",
                                                              "earlier": form.get("earlier") == "yes"})
    except ServiceError as error:
        if error.code != "interpreter_over":
            raise
    raise web.HTTPSeeOther("/child")


@routes.get("/interpreter", name="interpreter")
async def interpreter_page(request: web.Request) -> web.StreamResponse:
    principal = await staff_page(request, "page.interpreter", "This page is for interpreters.")
    return aiohttp_jinja2.render_template("console/interpreter.html", request, page_context(
        request, "interpreter", principal.public(), message_chars=settings_of(request).max_message_chars,
        languages=by_name()))
