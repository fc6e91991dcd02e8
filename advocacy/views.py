"""HTTP handlers: pages and the JSON API. Thin: parse, authorise, call a service, shape the answer."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp_jinja2
from aiohttp import web

from advocacy.assets import assets_key
from advocacy.auth.permissions import may
from advocacy.auth.staff_sign_in import Enrolment
from advocacy.auth.views import enrolment_started
from advocacy.errors import ServiceError
from advocacy.settings import PROJECT_ROOT
from advocacy.web import (
    auth_key,
    clear_session_cookie,
    json_body,
    ok,
    optional_principal,
    principal_of,
    settings_key,
    signed_in,
)

WEB_DIR = PROJECT_ROOT / "web"
OPENAPI_PATH = Path(__file__).with_name("openapi.json")
VENDOR_FILES = {
    "socket.io.min.js": WEB_DIR / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js",
    "socket.io.min.js.map": WEB_DIR / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js.map",
}

routes = web.RouteTableDef()


def page_context(request: web.Request, page: str, user: dict | None = None, **extra: object) -> dict[str, object]:
    return {"page": page, "user": user, "quick_exit_url": request.app[settings_key].quick_exit_url, **extra}


# pages ---------------------------------------------------------------------


@routes.get("/", name="home")
@aiohttp_jinja2.template("index.html")
async def home(request: web.Request) -> dict[str, object]:
    return page_context(request, "home")


@routes.get("/child/sign-in", name="child_sign_in")
@aiohttp_jinja2.template("child/sign_in.html")
async def child_sign_in_page(request: web.Request) -> dict[str, object]:
    return page_context(request, "child-sign-in")


@routes.get("/child", name="child_chat")
async def child_chat_page(request: web.Request) -> web.StreamResponse:
    principal = await optional_principal(request)
    if principal is None or not may(principal.role, "page.child"):
        raise web.HTTPSeeOther("/child/sign-in")
    from advocacy.app import chat_key  # the app module builds on this one

    # A child who opted out has no chat: their advocate page says they can have one any time.
    child = await request.app[auth_key].store.children.find_one({"_id": principal.user_id}, {"opted_out": 1})
    if child and child.get("opted_out"):
        raise web.HTTPSeeOther("/child/advocate")
    # Named in the page so the browser asks for the latest messages as soon as it connects.
    conversation = await request.app[chat_key].active_conversation_of(principal.user_id)
    return aiohttp_jinja2.render_template(
        "child/chat.html", request,
        page_context(request, "child-chat", principal.public(), child={"id": principal.user_id, "name": principal.name},
                     conversation=conversation["_id"] if conversation else None, welcome="welcome" in request.query,
                     max_chars=request.app[settings_key].max_message_chars),
    )


@routes.get("/staff/sign-in", name="staff_sign_in")
@aiohttp_jinja2.template("console/sign_in.html")
async def staff_sign_in_page(request: web.Request) -> dict[str, object]:
    return page_context(request, "staff-sign-in")


@routes.get("/console", name="console")
async def console_page(request: web.Request) -> web.StreamResponse:
    principal = await optional_principal(request)
    if principal is None:
        raise web.HTTPSeeOther("/staff/sign-in")
    if not may(principal.role, "page.console"):
        raise ServiceError("forbidden", "This page is for advocates and their managers.")
    from advocacy.concerns.keys import concerns_key  # built on the app, which builds on this module

    concerns = request.app[concerns_key]
    # The children to log a concern for come from the page's own list of conversations.
    return aiohttp_jinja2.render_template("console/index.html", request, page_context(
        request, "console", principal.public(), children=[], categories=concerns.category_list(),
        max_chars=concerns.limit, message_chars=request.app[settings_key].max_message_chars))


@routes.get("/vendor/{name}")
async def vendor_file(request: web.Request) -> web.StreamResponse:
    return await request.app[assets_key].named_file(request)


# sessions ------------------------------------------------------------------


@routes.post("/api/session/staff")
async def staff_sign_in(request: web.Request) -> web.Response:
    body = await json_body(request)
    result = await request.app[auth_key].sign_in_staff(body.get("username"), body.get("password"), body.get("otp"))
    if isinstance(result, Enrolment):
        return enrolment_started(request, result)
    return signed_in(request, *result)


@routes.post("/api/session/child")
async def child_sign_in(request: web.Request) -> web.Response:
    body = await json_body(request)
    token, principal, first = await request.app[auth_key].sign_in_child(body.get("access_code"), body.get("pin"))
    return signed_in(request, token, principal, first_sign_in=first)


@routes.get("/api/session")
async def who_am_i(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    return ok(role=principal.role, user=principal.public(), expires_at=principal.expires_at.isoformat(timespec="seconds"))


async def _sign_out(request: web.Request) -> web.Response:
    principal = await optional_principal(request)
    if principal is not None:
        await request.app[auth_key].end_session(principal.session_id)
    response = ok()
    clear_session_cookie(response, request.app[settings_key])
    return response


routes.delete("/api/session")(_sign_out)
routes.post("/api/session/end")(_sign_out)


# staff actions on a child's sign-in ----------------------------------------


@routes.post("/api/children/{child}/reset-pin")
async def reset_pin(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    await request.app[auth_key].reset_child_pin(principal, request.match_info["child"])
    return ok()


@routes.post("/api/children/{child}/access-code")
async def new_access_code(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    code = await request.app[auth_key].new_access_code(principal, request.match_info["child"])
    return ok(access_code=code)


@routes.post("/api/children/{child}/sessions/revoke")
async def revoke_child_sessions(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    count = await request.app[auth_key].revoke_child_sessions(principal, request.match_info["child"])
    return ok(revoked=count)


# service -------------------------------------------------------------------


@routes.get("/api/health")
async def health(request: web.Request) -> web.Response:
    await request.app[auth_key].store.db.command("ping")
    return ok(database="up")


@routes.get("/api/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    return web.json_response(json.loads(OPENAPI_PATH.read_text()))
