"""HTTP for putting records right (/api/corrections, /child/put-right, /console/corrections) and for the
child's feedback (/api/feedback, /child/feedback). Thin: parse, call the service, shape the reply."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from advocacy.corrections import rules
from advocacy.edge.handlers import json_body, ok, page_context, page_principal, principal_of, staff_page
from advocacy.edge.keys import services_key
from advocacy.feedback import rules as feedback_rules
from advocacy.people import child_names

routes = web.RouteTableDef()
CHILDREN_ONLY = "This page is for young people."


async def _body(request: web.Request) -> dict:
    return await json_body(request) if request.can_read_body else {}


@routes.post("/api/corrections")
async def ask_for_correction(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    corrections = request.app[services_key].corrections
    doc = await corrections.ask(principal, await json_body(request))
    return ok(201, correction=await corrections.view(doc))


@routes.get("/api/corrections")
async def list_corrections(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    return ok(corrections=await request.app[services_key].corrections.listing(principal))


@routes.get("/api/corrections/{correction}")
async def read_correction(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    corrections = request.app[services_key].corrections
    return ok(correction=await corrections.read(principal, request.match_info["correction"]))


@routes.post("/api/corrections/{correction}/decide")
async def decide_correction(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    corrections = request.app[services_key].corrections
    return ok(correction=await corrections.decide(principal, request.match_info["correction"],
                                                  await json_body(request)))


@routes.get("/api/feedback")
async def list_feedback(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    return ok(feedback=await request.app[services_key].feedback.listing(principal))


@routes.post("/api/feedback/{feedback}/answer")
async def answer_feedback(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    feedback = request.app[services_key].feedback
    return ok(feedback=await feedback.answer(principal, request.match_info["feedback"], await json_body(request)))


@routes.post("/api/feedback/{feedback}/decline")
async def decline_feedback(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    feedback = request.app[services_key].feedback
    return ok(feedback=await feedback.decline(principal, request.match_info["feedback"], await _body(request)))


# pages -----------------------------------------------------------------------


@routes.get("/child/put-right", name="child_put_right")
async def child_put_right_page(request: web.Request) -> web.StreamResponse:
    principal = await page_principal(request, "page.child_put_right", "/child/sign-in", CHILDREN_ONLY)
    services = request.app[services_key]
    return aiohttp_jinja2.render_template(
        "child/put_right.html", request,
        page_context(request, "child-put-right", principal.public(), kinds=rules.KINDS,
                     about_a_worry=sorted(rules.ABOUT_A_WORRY), status_words=rules.STATUS_WORDS,
                     worries=await services.concerns.listing(principal),
                     requests=await services.corrections.listing(principal), max_chars=services.corrections.limit,
                     decide_days=services.corrections.decide_days),
    )


@routes.get("/child/feedback", name="child_feedback")
async def child_feedback_page(request: web.Request) -> web.StreamResponse:
    principal = await page_principal(request, "page.child_feedback", "/child/sign-in", CHILDREN_ONLY)
    asks = await request.app[services_key].feedback.listing(principal)
    return aiohttp_jinja2.render_template(
        "child/feedback.html", request,
        page_context(request, "child-feedback", principal.public(), questions=feedback_rules.QUESTIONS,
                     answers=feedback_rules.ANSWERS, waiting=[a for a in asks if a["status"] == "asked"],
                     done=[a for a in asks if a["status"] != "asked"]),
    )


@routes.get("/console/corrections", name="console_corrections")
async def console_corrections_page(request: web.Request) -> web.StreamResponse:
    principal = await staff_page(request, "page.console_corrections",
                                 "This page is for managers and admins of the advocacy service.")
    services = request.app[services_key]
    requests = await services.corrections.listing(principal)
    names = await child_names(services.store, [r["child"] for r in requests])
    return aiohttp_jinja2.render_template(
        "console/corrections.html", request,
        page_context(request, "console-corrections", principal.public(),
                     requests=[{**r, "child_name": names.get(r["child"], "A child")} for r in requests],
                     max_chars=services.corrections.limit),
    )
