"""The child's chat page and the advocates' console page (the conversations themselves go over /chat)."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from advocacy.auth.permissions import may
from advocacy.edge.handlers import optional_principal, page_context, settings_of
from advocacy.edge.keys import services_key
from advocacy.edge.language import page_language
from advocacy.errors import ServiceError

routes = web.RouteTableDef()


@routes.get("/child", name="child_chat")
async def child_chat_page(request: web.Request) -> web.StreamResponse:
    principal = await optional_principal(request)
    if principal is None or not may(principal.role, "page.child"):
        raise web.HTTPSeeOther("/child/sign-in")
    services = request.app[services_key]
    # A child who opted out has no chat: their advocate page says they can have one any time.
    child = await services.store.children.find_one({"_id": principal.user_id}, {"opted_out": 1})
    if child and child.get("opted_out"):
        raise web.HTTPSeeOther("/child/advocate")
    # Named in the page so the browser asks for the latest messages as soon as it connects.
    conversation = await services.chat.active_conversation_of(principal.user_id)
    interpreter = await services.interpreting.words_for_child(principal.user_id,
                                                              (await page_language(request))["language"].code)
    return aiohttp_jinja2.render_template(
        "child/chat.html", request,
        page_context(request, "child-chat", principal.public(), child={"id": principal.user_id, "name": principal.name},
                     interpreter=interpreter,
                     conversation=conversation["_id"] if conversation else None, welcome="welcome" in request.query,
                     max_chars=settings_of(request).max_message_chars),
    )


@routes.get("/console", name="console")
async def console_page(request: web.Request) -> web.StreamResponse:
    principal = await optional_principal(request)
    if principal is None:
        raise web.HTTPSeeOther("/staff/sign-in")
    if not may(principal.role, "page.console"):
        raise ServiceError("forbidden", "This page is for advocates and their managers.")
    services = request.app[services_key]
    concerns = services.concerns
    # Colleagues a child's conversation can be handed to for a while (cover by hand): the same team's advocates.
    team = await services.replies.team_of(principal) if may(principal.role, "child.cover") else None
    colleagues = [] if team is None else [
        {"id": d["_id"], "name": d.get("name", "")} async for d in services.store.staff.find(
            {"role": "advocate", "manager": team, "_id": {"$ne": principal.user_id}, "left_at": None},
            {"name": 1}).sort("name", 1)]
    # The children to log a concern for come from the page's own list of conversations.
    return aiohttp_jinja2.render_template("console/index.html", request, page_context(
        request, "console", principal.public(), children=[], categories=concerns.category_list(),
        max_chars=concerns.limit, message_chars=settings_of(request).max_message_chars,
        may_switch_away=may(principal.role, "chat.availability"), colleagues=colleagues,
        away=await services.chat.is_away(principal.user_id),
        may_record_left_care=may(principal.role, "child.left_care"),
        years_after_leaving_care=services.retention.retention.years_after_leaving_care,
        leaving_care_age=services.retention.retention.leaving_care_age))
