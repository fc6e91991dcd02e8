"""HTTP for pairing: the JSON API, the child's advocate page and the managers' plans page. Thin:
parse, authorise (the permission table), call ``PairingService``, shape the answer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from advocacy.auth.permissions import may
from advocacy.auth.principal import Principal
from advocacy.date_words import day_words
from advocacy.edge.handlers import json_body, ok, optional_principal, page_context, principal_of
from advocacy.edge.keys import services_key
from advocacy.errors import ServiceError
from advocacy.pairing import cover, plans
from advocacy.pairing.service import PairingService
from advocacy.people import child_names

routes = web.RouteTableDef()


async def _child(request: web.Request, action: str) -> tuple[Principal, dict[str, Any]]:
    principal = await principal_of(request)
    child = await request.app[services_key].auth.access.child(principal, action, request.match_info["child"])
    return principal, child


async def _advocate(request: web.Request, action: str) -> tuple[Principal, dict[str, Any]]:
    """The advocate record if the caller may do ``action`` to it (their manager, or an admin)."""
    principal = await principal_of(request)
    advocate = await request.app[services_key].auth.access.advocate(principal, action, request.match_info["advocate"],
                                                           {"name": 1})
    return principal, advocate


async def _team(request: web.Request, principal: Principal) -> set[str] | None:
    """The advocates a manager manages (None: an admin sees everyone)."""
    return await request.app[services_key].auth.access.advocates(principal, "pairing.plans")


# children ------------------------------------------------------------------------


@routes.post("/api/children")
async def create_child(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    if not may(principal.role, "child.create"):
        raise ServiceError("forbidden")
    body = await json_body(request)
    return ok(201, **await request.app[services_key].pairing.enter_care(body, principal.by()))


@routes.get("/api/children/{child}/advocate")
async def status(request: web.Request) -> web.Response:
    _, child = await _child(request, "pairing.status")
    return ok(**await request.app[services_key].pairing.status(child["_id"]))


@routes.get("/api/children/{child}/pairings")
async def history(request: web.Request) -> web.Response:
    principal, child = await _child(request, "pairing.history")
    return ok(**await request.app[services_key].pairing.history(child["_id"], for_child=principal.role == "child",
                                                                reader=principal.by()))


async def _optional_body(request: web.Request) -> dict[str, Any]:
    return await json_body(request) if request.can_read_body else {}


@routes.post("/api/children/{child}/opt-out")
async def opt_out(request: web.Request) -> web.Response:
    principal, child = await _child(request, "pairing.opt_out")
    body = await _optional_body(request)
    return ok(**await request.app[services_key].pairing.opt_out(child["_id"], body.get("reason"), principal.by()))


@routes.post("/api/children/{child}/opt-in")
async def opt_in(request: web.Request) -> web.Response:
    principal, child = await _child(request, "pairing.opt_in")
    service = request.app[services_key].pairing
    result = await service.opt_in(child["_id"], principal.by())
    return ok(**result, **await service.status(child["_id"]))


@routes.post("/api/children/{child}/someone-else")
async def someone_else(request: web.Request) -> web.Response:
    principal, child = await _child(request, "pairing.someone_else")
    body = await _optional_body(request)
    return ok(**await request.app[services_key].pairing.someone_else(child["_id"], body.get("reason"), principal.by()))


@routes.put("/api/children/{child}/earlier-chat")
async def earlier_chat(request: web.Request) -> web.Response:
    principal, child = await _child(request, "pairing.earlier_chat")
    body = await json_body(request)
    return ok(**await request.app[services_key].pairing.set_earlier_chat(child["_id"], body.get("share"),
                                                                         principal.by()))


@routes.post("/api/children/{child}/offer/decline")
async def decline_offer(request: web.Request) -> web.Response:
    principal, child = await _child(request, "pairing.offer")
    return ok(**await request.app[services_key].pairing.decline_offer(child["_id"], principal.by()))


@routes.post("/api/children/{child}/placement-moves")
async def placement_move(request: web.Request) -> web.Response:
    principal, child = await _child(request, "pairing.placement_move")
    body = await _optional_body(request)
    return ok(201, **await request.app[services_key].pairing.placement_move(child["_id"], body.get("moved_on"),
                                                                            principal.by()))


@routes.post("/api/children/{child}/left-care")
async def left_care(request: web.Request) -> web.Response:
    principal, child = await _child(request, "child.left_care")
    body = await _optional_body(request)
    return ok(**await request.app[services_key].pairing.left_care(child["_id"], body, principal.by()))


# advocates -----------------------------------------------------------------------


@routes.post("/api/advocates/{advocate}/leave")
async def record_leave(request: web.Request) -> web.Response:
    principal, advocate = await _advocate(request, "pairing.leave")
    body = await json_body(request)
    leave = await cover.record_leave(request.app[services_key].pairing, advocate["_id"], body.get("starts"),
                                     body.get("ends"), principal.by())
    return ok(201, leave=leave)


@routes.get("/api/advocates/{advocate}/leave")
async def list_leave(request: web.Request) -> web.Response:
    _, advocate = await _advocate(request, "pairing.leave")
    return ok(leaves=await cover.leaves_of(request.app[services_key].pairing, advocate["_id"]))


@routes.post("/api/advocates/{advocate}/leaving")
async def leaving(request: web.Request) -> web.Response:
    principal, advocate = await _advocate(request, "pairing.advocate")
    return ok(**await request.app[services_key].pairing.leaving(advocate["_id"], principal.by()))


@routes.patch("/api/advocates/{advocate}")
async def change_advocate(request: web.Request) -> web.Response:
    principal, advocate = await _advocate(request, "pairing.advocate")
    body = await json_body(request)
    return ok(**await request.app[services_key].pairing.set_capacity(advocate["_id"], body, principal.by()))


# plans -----------------------------------------------------------------------------


def _plans_allowed(principal: Principal) -> None:
    if not may(principal.role, "pairing.plans"):
        raise ServiceError("forbidden")


async def _new_plan(request: web.Request, principal: Principal, max_moves: Any) -> dict[str, Any]:
    if max_moves is not None and (not isinstance(max_moves, int) or isinstance(max_moves, bool) or max_moves < 0):
        raise ServiceError("bad_request", '"max_moves" must be a whole number, 0 or more, or left out.')
    service = request.app[services_key].pairing
    if service.plan_lock.locked():
        raise ServiceError("plan_busy")
    async with service.plan_lock:
        return await plans.make_plan(service.store, service.clock, service.weights, max_moves=max_moves,
                                     by=principal.by())


async def _plan_for(request: web.Request, principal: Principal, plan_id: str) -> dict[str, Any]:
    """A stored plan, with only the changes this person may see, and names for people."""
    store = request.app[services_key].pairing.store
    plan = await store.pairing_plans.find_one({"_id": plan_id}) if isinstance(plan_id, str) else None
    if plan is None:
        raise ServiceError("not_found")
    team = await _team(request, principal)
    changes = [c for c in plan["changes"] if team is None or c["from"] in team or c["to"] in team]
    names = {d["_id"]: d.get("name", "") async for d in store.staff.find(
        {"_id": {"$in": list({c[k] for c in changes for k in ("from", "to") if c[k]})}}, {"name": 1})}
    children = await child_names(store, [c["child"] for c in changes])
    out = plans.plan_json({**plan, "changes": [
        {**c, "child_name": children.get(c["child"], ""), "from_name": names.get(c["from"]),
         "to_name": names.get(c["to"])} for c in changes]})
    out["shown"] = len(changes)
    out["size"] = len(plan["changes"])
    return out


@routes.get("/api/pairing/plans")
async def list_plans(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    _plans_allowed(principal)
    return ok(plans=await plans.list_plans(request.app[services_key].pairing.store))


@routes.post("/api/pairing/plans")
async def new_plan(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    _plans_allowed(principal)
    body = await _optional_body(request)
    plan = await _new_plan(request, principal, body.get("max_moves"))
    return ok(201, plan=await _plan_for(request, principal, plan["_id"]))


@routes.get("/api/pairing/plans/{plan}")
async def get_plan(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    _plans_allowed(principal)
    return ok(plan=await _plan_for(request, principal, request.match_info["plan"]))


async def _whole_plan_allowed(request: web.Request, principal: Principal, plan_id: str) -> None:
    """Approving or applying a plan acts on every child in it: a manager may do so only when all its changes
    are within their team (an admin, any plan)."""
    plan = await plans.stored_plan(request.app[services_key].pairing.store, plan_id)
    team = await _team(request, principal)
    if team is not None and any(c["from"] not in team and c["to"] not in team for c in plan["changes"]):
        raise ServiceError("forbidden", "This plan changes children outside your team, so only an administrator "
                                        "can approve or apply it. Nothing was changed.")


async def _approve(request: web.Request, principal: Principal, plan_id: str) -> None:
    await _whole_plan_allowed(request, principal, plan_id)
    await plans.approve_plan(request.app[services_key].pairing, plan_id, principal.by())


async def _apply(request: web.Request, principal: Principal, plan_id: str) -> dict[str, Any]:
    await _whole_plan_allowed(request, principal, plan_id)
    return await plans.apply_stored_plan(request.app[services_key].pairing, plan_id, principal.by())


@routes.post("/api/pairing/plans/{plan}/approve")
async def approve_plan(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    _plans_allowed(principal)
    await _approve(request, principal, request.match_info["plan"])
    return ok(plan=await _plan_for(request, principal, request.match_info["plan"]))


@routes.post("/api/pairing/plans/{plan}/apply")
async def apply_plan(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    _plans_allowed(principal)
    result = await _apply(request, principal, request.match_info["plan"])
    return ok(result=result, plan=await _plan_for(request, principal, request.match_info["plan"]))


# pages --------------------------------------------------------------------------------

CHILD_ACTIONS = {"opt_out", "opt_in", "someone_else", "share_yes", "share_no", "decline_offer"}
# Refusals the page explains in its own words (anything else is the error page).
PROBLEMS = {"no_other_advocate", "reason_too_long", "no_advocate"}
CONFIRM = {"opt_out", "someone_else"}


@routes.get("/child/advocate", name="child_advocate")
async def child_advocate_page(request: web.Request) -> web.StreamResponse:
    principal = await optional_principal(request)
    if principal is None or not may(principal.role, "page.child_advocate"):
        raise web.HTTPSeeOther("/child/sign-in")
    done = request.query.get("done")
    problem = request.query.get("problem")
    return await _render_child_page(request, principal, request.query.get("confirm"),
                                    done if done in CHILD_ACTIONS else None, problem if problem in PROBLEMS else None)


async def _render_child_page(request: web.Request, principal: Principal, confirm: str | None, done: str | None,
                             problem: str | None) -> web.StreamResponse:
    service = request.app[services_key].pairing
    state = await service.status(principal.user_id)
    if state["cover"]:
        state["cover"]["until_words"] = day_words(date.fromisoformat(state["cover"]["until"]), year=False)
    past = (await service.history(principal.user_id, for_child=True))["changes"]
    for change in past:
        change["started_words"] = _day(service, change["started_at"])
        change["ended_words"] = _day(service, change["ended_at"])
    return aiohttp_jinja2.render_template("child/advocate.html", request, page_context(
        request, "child-advocate", principal.public(), status=state, past=past,
        confirm=confirm if confirm in CONFIRM and not done else None, done=done, problem=problem,
        feedback_waiting=await request.app[services_key].feedback.waiting(principal.user_id)))


def _day(service: PairingService, iso: str | None) -> str | None:
    """"14 March 2026": the day of a moment in ``iso`` form, on the service's calendar."""
    return day_words(datetime.fromisoformat(iso), service.zone, weekday=False) if iso else None


@routes.post("/child/advocate")
async def child_advocate_action(request: web.Request) -> web.StreamResponse:
    """The page's buttons (plain HTML forms, so they work without JavaScript). Each action is safe to
    send twice: asking for someone else names the advocate it is about, and does nothing once they changed.
    The answer is a redirect to the page saying what happened (so reloading it sends nothing again)."""
    principal = await optional_principal(request)
    if principal is None or not may(principal.role, "page.child_advocate"):
        raise web.HTTPSeeOther("/child/sign-in")
    form = await request.post()
    action = form.get("action")
    if action is None:
        return await _render_child_page(request, principal, None, None, None)
    if action not in CHILD_ACTIONS or not may(principal.role, _ACTION_PERMISSION[action]):
        raise ServiceError("bad_request")
    service, me = request.app[services_key].pairing, principal.user_id
    reason = form.get("reason") or None
    try:
        if action == "opt_out":
            await service.opt_out(me, reason, principal.by())
        elif action == "opt_in":
            await service.opt_in(me, principal.by())
        elif action == "someone_else":
            current = (await service.status(me))["advocate"]
            if current and current["id"] == form.get("from"):
                await service.someone_else(me, reason, principal.by())
        elif action == "decline_offer":
            await service.decline_offer(me, principal.by())
        else:
            await service.set_earlier_chat(me, action == "share_yes", principal.by())
    except ServiceError as error:
        if error.code in PROBLEMS:
            raise web.HTTPSeeOther(f"/child/advocate?problem={error.code}") from None
        raise
    raise web.HTTPSeeOther(f"/child/advocate?done={action}")


_ACTION_PERMISSION = {
    "opt_out": "pairing.opt_out", "opt_in": "pairing.opt_in", "someone_else": "pairing.someone_else",
    "share_yes": "pairing.earlier_chat", "share_no": "pairing.earlier_chat", "decline_offer": "pairing.offer",
}


async def _manager(request: web.Request) -> Principal:
    """Who is asking for the plans page: staff who are not managers or admins are refused."""
    principal = await optional_principal(request)
    if principal is None:
        raise web.HTTPSeeOther("/staff/sign-in")
    if not may(principal.role, "page.pairing"):
        raise ServiceError("forbidden", "This page is for managers.")
    return principal


@routes.get("/console/pairing", name="console_pairing")
async def plans_page(request: web.Request) -> web.StreamResponse:
    return await _render_plans_page(request, await _manager(request), request.query.get("plan"))


async def _render_plans_page(request: web.Request, principal: Principal, chosen: str | None,
                             busy: bool = False, problem: str | None = None,
                             result: dict[str, Any] | None = None) -> web.StreamResponse:
    service = request.app[services_key].pairing
    listing = await plans.list_plans(service.store)
    chosen = chosen or (listing[0]["id"] if listing else None)
    plan = await _plan_for(request, principal, chosen) if chosen else None
    if plan is not None:
        above = service.second_approval_above
        plan["second_person"] = plan["size"] > above
        plan["second_approval_above"] = above
        plan["made_by_me"] = (plan.get("by") or {}).get("id") == principal.user_id
    return aiohttp_jinja2.render_template("console/pairing.html", request, page_context(
        request, "console-pairing", principal.public(), plans=listing, plan=plan, busy=busy, problem=problem,
        result=result))


@routes.post("/console/pairing")
async def plans_page_new(request: web.Request) -> web.StreamResponse:
    principal = await _manager(request)
    form = await request.post()
    raw = (form.get("max_moves") or "").strip()
    max_moves = int(raw) if raw.isdigit() else None
    try:
        plan = await _new_plan(request, principal, max_moves)
    except ServiceError as error:
        if error.code == "plan_busy":
            return await _render_plans_page(request, principal, None, busy=True)
        raise
    return await _render_plans_page(request, principal, plan["_id"])


@routes.post("/console/pairing/{plan}/{action:approve|apply}")
async def plans_page_act(request: web.Request) -> web.StreamResponse:
    """The page's Approve and Apply buttons (without script): the same checks as the API; a refusal is shown
    on the page in the refusal's own words."""
    principal = await _manager(request)
    await request.post()
    plan_id = request.match_info["plan"]
    result = None
    try:
        if request.match_info["action"] == "approve":
            await _approve(request, principal, plan_id)
        else:
            result = await _apply(request, principal, plan_id)
    except ServiceError as error:
        if error.code == "not_found":
            raise
        return await _render_plans_page(request, principal, plan_id, problem=error.message)
    return await _render_plans_page(request, principal, plan_id, result=result)


# wiring ---------------------------------------------------------------------------------
