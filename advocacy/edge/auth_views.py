"""HTTP handlers for signing in and out: the sign-in pages, sessions, the staff second factor
(enrolment), staff actions on a child's sign-in, and an admin's actions on staff accounts."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from advocacy.auth import staff_sign_in, totp
from advocacy.edge.handlers import (
    ENROL_COOKIE,
    clear_session_cookie,
    client_address,
    json_body,
    ok,
    optional_principal,
    page_context,
    permission,
    principal_of,
    settings_of,
    signed_in,
)
from advocacy.edge.keys import services_key
from advocacy.edge.language import chosen_language, remember_language
from advocacy.errors import ServiceError

routes = web.RouteTableDef()
ENROL_PAGE = "/staff/enrol"


def enrolment_started(request: web.Request, enrolment: staff_sign_in.Enrolment) -> web.Response:
    """202: the password was right but there is no second factor yet; the browser goes on to ENROL_PAGE."""
    settings = settings_of(request)
    response = web.json_response(
        {"ok": True, "enrolment_needed": True, "enrolment": enrolment.public(), "next": ENROL_PAGE}, status=202
    )
    response.set_cookie(
        ENROL_COOKIE, enrolment.token, max_age=settings.staff_enrolment_minutes * 60, httponly=True,
        samesite="Strict", secure=settings.secure_cookies, path="/",
    )
    return response


@routes.get(ENROL_PAGE, name="staff_enrol")
async def enrol_page(request: web.Request) -> web.StreamResponse:
    try:
        staff, secret = await staff_sign_in.pending_enrolment(request.app[services_key].auth,
                                                              request.cookies.get(ENROL_COOKIE))
    except ServiceError:
        raise web.HTTPSeeOther("/staff/sign-in") from None
    uri = totp.provisioning_uri(secret, staff["username"], staff_sign_in.ISSUER)
    return aiohttp_jinja2.render_template("console/enrol.html", request, {
        "page": "staff-enrol", "user": None, "quick_exit_url": settings_of(request).quick_exit_url,
        "qr": totp.qr_data_uri(uri), "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        "username": staff["username"],
    })


@routes.post("/api/session/staff/enrol")
async def finish_enrolment(request: web.Request) -> web.Response:
    body = await json_body(request)
    token = body.get("enrolment_token", request.cookies.get(ENROL_COOKIE))
    session_token, principal, codes = await staff_sign_in.finish_enrolment(request.app[services_key].auth, token,
                                                                           body.get("otp"))
    response = signed_in(request, session_token, principal, recovery_codes=codes)
    response.del_cookie(ENROL_COOKIE, path="/", samesite="Strict", secure=settings_of(request).secure_cookies,
                        httponly=True)
    return response


@routes.post("/api/staff/{staff}/unlock")
@permission("staff.unlock")
async def unlock(request: web.Request) -> web.Response:
    await staff_sign_in.unlock(request.app[services_key].auth, await principal_of(request), request.match_info["staff"])
    return ok()


@routes.post("/api/staff/{staff}/second-factor/reset")
@permission("staff.reset_second_factor")
async def reset_second_factor(request: web.Request) -> web.Response:
    await staff_sign_in.reset_second_factor(
        request.app[services_key].auth, await principal_of(request), request.match_info["staff"]
    )
    return ok()


# sign-in pages ------------------------------------------------------------------


@routes.get("/child/sign-in", name="child_sign_in")
@aiohttp_jinja2.template("child/sign_in.html")
async def child_sign_in_page(request: web.Request) -> dict[str, object]:
    return page_context(request, "child-sign-in", chosen_language=chosen_language(request))


@routes.get("/staff/sign-in", name="staff_sign_in")
@aiohttp_jinja2.template("console/sign_in.html")
async def staff_sign_in_page(request: web.Request) -> dict[str, object]:
    return page_context(request, "staff-sign-in")


# sessions ------------------------------------------------------------------


@routes.post("/api/session/staff")
async def sign_in_staff(request: web.Request) -> web.Response:
    body = await json_body(request)
    result = await request.app[services_key].auth.sign_in_staff(body.get("username"), body.get("password"),
                                                                body.get("otp"), client_address(request))
    if isinstance(result, staff_sign_in.Enrolment):
        return enrolment_started(request, result)
    return signed_in(request, *result)


@routes.post("/api/session/child")
async def sign_in_child(request: web.Request) -> web.Response:
    body = await json_body(request)
    services = request.app[services_key]
    token, principal, first = await services.auth.sign_in_child(
        body.get("access_code"), body.get("pin"), body.get("setup_word"), body.get("pin_again"),
        client_address(request),
    )
    # The language picked on the sign-in page goes on the record; otherwise the record's is kept.
    picked = body.get("language")
    language = await services.auth.child_language(principal.user_id, picked if picked in services.languages else None)
    response = signed_in(request, token, principal, first_sign_in=first)
    if language in services.languages:
        remember_language(response, request, language)
    return response


@routes.get("/api/session")
async def who_am_i(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    return ok(role=principal.role, user=principal.public(),
              expires_at=principal.expires_at.isoformat(timespec="seconds"))


async def _sign_out(request: web.Request) -> web.Response:
    principal = await optional_principal(request)
    if principal is not None:
        await request.app[services_key].auth.end_session(principal.session_id)
    response = ok()
    clear_session_cookie(response, settings_of(request))
    return response


routes.delete("/api/session")(_sign_out)
routes.post("/api/session/end")(_sign_out)


# staff actions on a child's sign-in ----------------------------------------


@routes.post("/api/children/{child}/reset-pin")
async def reset_pin(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    word = await request.app[services_key].auth.reset_child_pin(principal, request.match_info["child"])
    return ok(setup_word=word)


@routes.post("/api/children/{child}/access-code")
async def new_access_code(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    issued = await request.app[services_key].auth.new_access_code(principal, request.match_info["child"])
    return ok(**issued.public())


@routes.post("/api/children/{child}/sessions/revoke")
async def revoke_child_sessions(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    count = await request.app[services_key].auth.revoke_child_sessions(principal, request.match_info["child"])
    return ok(revoked=count)
