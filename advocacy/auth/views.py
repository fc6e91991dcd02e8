"""HTTP handlers for the staff second factor (enrolment) and an admin's actions on staff accounts."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from advocacy.auth import staff_sign_in, totp
from advocacy.errors import ServiceError
from advocacy.web import (
    ENROL_COOKIE,
    auth_key,
    json_body,
    ok,
    permission,
    principal_of,
    settings_key,
    signed_in,
)

routes = web.RouteTableDef()
ENROL_PAGE = "/staff/enrol"


def enrolment_started(request: web.Request, enrolment: staff_sign_in.Enrolment) -> web.Response:
    """202: the password was right but there is no second factor yet; the browser goes on to ENROL_PAGE."""
    settings = request.app[settings_key]
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
        staff, secret = await staff_sign_in.pending_enrolment(request.app[auth_key], request.cookies.get(ENROL_COOKIE))
    except ServiceError:
        raise web.HTTPSeeOther("/staff/sign-in") from None
    uri = totp.provisioning_uri(secret, staff["username"], staff_sign_in.ISSUER)
    return aiohttp_jinja2.render_template("console/enrol.html", request, {
        "page": "staff-enrol", "user": None, "quick_exit_url": request.app[settings_key].quick_exit_url,
        "qr": totp.qr_data_uri(uri), "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        "username": staff["username"],
    })


@routes.post("/api/session/staff/enrol")
async def finish_enrolment(request: web.Request) -> web.Response:
    body = await json_body(request)
    token = body.get("enrolment_token", request.cookies.get(ENROL_COOKIE))
    session_token, principal, codes = await staff_sign_in.finish_enrolment(request.app[auth_key], token, body.get("otp"))
    response = signed_in(request, session_token, principal, recovery_codes=codes)
    response.del_cookie(ENROL_COOKIE, path="/", samesite="Strict", secure=request.app[settings_key].secure_cookies,
                        httponly=True)
    return response


@routes.post("/api/staff/{staff}/unlock")
@permission("staff.unlock")
async def unlock(request: web.Request) -> web.Response:
    await staff_sign_in.unlock(request.app[auth_key], await principal_of(request), request.match_info["staff"])
    return ok()


@routes.post("/api/staff/{staff}/second-factor/reset")
@permission("staff.reset_second_factor")
async def reset_second_factor(request: web.Request) -> web.Response:
    await staff_sign_in.reset_second_factor(
        request.app[auth_key], await principal_of(request), request.match_info["staff"]
    )
    return ok()
