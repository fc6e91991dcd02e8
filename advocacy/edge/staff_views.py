"""HTTP for staff records: the staff page (/console/staff, plain forms) and the JSON API (/api/staff).
Thin: parse, call ``StaffDirectory`` (which checks who may do what), shape the answer."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from advocacy.auth.principal import Principal
from advocacy.edge.handlers import json_body, ok, page_context, principal_of, staff_page
from advocacy.edge.keys import services_key
from advocacy.errors import ServiceError
from advocacy.pairing import cover
from advocacy.pairing.authorities import REGIONS
from advocacy.spoken_languages import by_name

routes = web.RouteTableDef()
REFUSED = "This page is for admins and managers."


@routes.get("/api/staff")
async def list_staff(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    return ok(staff=await request.app[services_key].staff.listing(principal))


@routes.post("/api/staff")
async def add_staff(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    staff, password = await request.app[services_key].staff.create(principal, await json_body(request))
    return ok(201, staff=staff, password=password)


@routes.patch("/api/staff/{staff}")
async def change_staff(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    return ok(**await request.app[services_key].staff.change(principal, request.match_info["staff"],
                                                            await json_body(request)))


def _form_data(form: Any, adding: bool) -> dict[str, Any]:
    """The form's fields as the API takes them (empty numbers and hours: not set)."""
    data: dict[str, Any] = {
        "name": form.get("name", ""), "capacity": form.get("capacity", ""),
        "comfortable": form.get("comfortable", ""),
        "languages": list(form.getall("languages", [])), "regions": list(form.getall("regions", [])),
        "ties": list(form.getall("ties", [])),
    }
    start, end = (form.get("start") or "").strip(), (form.get("end") or "").strip()
    data["working_hours"] = {"start": start, "end": end} if start or end else None
    if form.get("role"):
        data["role"] = form["role"]
    if form.get("manager") is not None:
        data["manager"] = form.get("manager") or None
    if adding:
        data["username"] = form.get("username", "")
    elif form.get("taking_children_shown"):  # an advocate's form has the box (unticked sends nothing)
        data["available"] = form.get("available") == "yes"
    return data


def _form_again(form: Any) -> dict[str, Any]:
    """What was typed, to fill the add form again after a refusal."""
    return {"name": form.get("name", ""), "username": form.get("username", ""), "role": form.get("role"),
            "manager": form.get("manager"), "capacity": form.get("capacity", ""),
            "comfortable": form.get("comfortable", ""), "regions": list(form.getall("regions", [])),
            "languages": [{"code": c} for c in form.getall("languages", [])],
            "ties": [{"code": c} for c in form.getall("ties", [])],
            "working_hours": {"start": form.get("start", ""), "end": form.get("end", "")}}


async def _render(request: web.Request, principal: Principal, **extra: Any) -> web.StreamResponse:
    staff = request.app[services_key].staff
    editing, leaves = None, []
    chosen = extra.pop("editing", None) or request.query.get("edit")
    if chosen:
        editing = await staff.one((await staff.find(principal, chosen))["_id"])
        if editing["role"] == "advocate":
            leaves = await cover.leaves_of(request.app[services_key].pairing, editing["id"])
    return aiohttp_jinja2.render_template("console/staff.html", request, page_context(
        request, "console-staff", principal.public(), people=await staff.listing(principal),
        managers=await staff.managers(), authorities=await staff.authorities(), languages=by_name(),
        regions=REGIONS, editing=editing, leaves=leaves, admin=principal.role == "admin", **extra))


@routes.get("/console/staff", name="console_staff")
async def staff_page_view(request: web.Request) -> web.StreamResponse:
    principal = await staff_page(request, "page.staff", REFUSED)
    return await _render(request, principal)


@routes.post("/console/staff")
async def staff_page_add(request: web.Request) -> web.StreamResponse:
    principal = await staff_page(request, "page.staff", REFUSED)
    form = await request.post()
    try:
        added, password = await request.app[services_key].staff.create(principal, _form_data(form, adding=True))
    except ServiceError as error:
        return await _render(request, principal, error=error.message, form=_form_again(form))
    return await _render(request, principal, added=added, password=password)


@routes.post("/console/staff/{staff}")
async def staff_page_change(request: web.Request) -> web.StreamResponse:
    principal = await staff_page(request, "page.staff", REFUSED)
    form = await request.post()
    staff_id = request.match_info["staff"]
    try:
        result = await request.app[services_key].staff.change(principal, staff_id, _form_data(form, adding=False))
    except ServiceError as error:
        if error.code == "not_found":
            raise
        return await _render(request, principal, error=error.message, editing=staff_id)
    return await _render(request, principal, changed=result)


@routes.post("/console/staff/{staff}/leave")
async def staff_page_leave(request: web.Request) -> web.StreamResponse:
    """Book an advocate's leave from the staff page: the same as ``POST /api/advocates/ID/leave`` (covers
    are chosen for their children)."""
    principal = await staff_page(request, "page.staff", REFUSED)
    services = request.app[services_key]
    advocate = await services.auth.access.advocate(principal, "pairing.leave", request.match_info["staff"])
    form = await request.post()
    try:
        leave = await cover.record_leave(services.pairing, advocate["_id"], form.get("starts"), form.get("ends"),
                                         principal.by())
    except ServiceError as error:
        return await _render(request, principal, error=error.message, editing=advocate["_id"])
    return await _render(request, principal, editing=advocate["_id"], booked=leave)
