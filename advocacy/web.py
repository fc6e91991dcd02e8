"""HTTP plumbing shared by every view: who is asking, JSON bodies, error pages, security headers."""

from __future__ import annotations

import functools
import json
import logging
from typing import Any, Awaitable, Callable

import aiohttp_jinja2
from aiohttp import web

from advocacy.auth.permissions import may
from advocacy.auth.service import AuthService
from advocacy.auth.principal import Principal
from advocacy.errors import ServiceError
from advocacy.settings import Settings
from advocacy.store import PyMongoError

log = logging.getLogger(__name__)

SESSION_COOKIE = "advocacy_session"
# Set between the right password and a first authenticator code (advocacy.auth.staff_sign_in).
ENROL_COOKIE = "advocacy_enrol"
_PRINCIPAL = web.RequestKey("principal", Principal)

settings_key = web.AppKey("settings", Settings)
auth_key = web.AppKey("auth", AuthService)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def ok(status: int = 200, **body: Any) -> web.Response:
    return web.json_response({"ok": True, **body}, status=status)


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return None


def request_token(request: web.Request) -> str | None:
    return bearer_token(request) or request.cookies.get(SESSION_COOKIE)


async def principal_of(request: web.Request) -> Principal:
    """The signed-in user; ServiceError(unauthorised/session_expired) when there is none."""
    principal = request.get(_PRINCIPAL)
    if principal is None:
        principal = request[_PRINCIPAL] = await request.app[auth_key].principal_for(request_token(request))
    return principal


def permission(action: str) -> Callable[[Handler], Handler]:
    """Decorate a view: the caller must be signed in and the permission table must let their role do ``action``.

    The view then gets the caller with ``await principal_of(request)`` (no second look-up)
    and still checks which records they may touch (the action's scope).
    """

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def run(request: web.Request) -> web.StreamResponse:
            principal = await principal_of(request)
            if not may(principal.role, action):
                raise ServiceError("forbidden")
            return await handler(request)

        run.action = action  # type: ignore[attr-defined]  # read by the permission tests
        return run

    return wrap


async def optional_principal(request: web.Request) -> Principal | None:
    try:
        return await principal_of(request)
    except ServiceError:
        return None


async def json_body(request: web.Request) -> dict[str, Any]:
    # Another website's form can post text/plain but not application/json without asking us first (CORS), and we never agree.
    if request.content_type != "application/json":
        raise ServiceError("bad_request", "That request didn't make sense to us: send the body as JSON "
                                          "(Content-Type: application/json). Nothing was changed.")
    try:
        body = await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        raise ServiceError("bad_request", "That request didn't make sense to us: the body should be JSON. Nothing was changed.") from None
    if not isinstance(body, dict):
        raise ServiceError("bad_request", "That request didn't make sense to us: the body should be a JSON object. Nothing was changed.")
    return body


def set_session_cookie(response: web.StreamResponse, token: str, max_age: int, settings: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="Strict",
        secure=settings.secure_cookies, path="/",
    )


def signed_in(request: web.Request, token: str, principal: Principal, **extra: Any) -> web.Response:
    """The answer to a successful sign-in: the session in JSON and as the session cookie."""
    response = ok(token=token, role=principal.role, user=principal.public(),
                  expires_at=principal.expires_at.isoformat(timespec="seconds"), **extra)
    now = request.app[auth_key].clock.now()
    set_session_cookie(response, token, int((principal.expires_at - now).total_seconds()), request.app[settings_key])
    return response


def clear_session_cookie(response: web.StreamResponse, settings: Settings) -> None:
    response.del_cookie(SESSION_COOKIE, path="/", samesite="Strict", secure=settings.secure_cookies, httponly=True)


def own_origins(request: web.Request) -> set[str]:
    settings = request.app[settings_key]
    origins = {f"{request.scheme}://{request.host}"}
    if settings.public_url:
        origins.add(settings.public_url.rstrip("/"))
    return origins


def wants_json(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def render_error(request: web.Request, status: int, title: str, message: str) -> web.Response:
    response = aiohttp_jinja2.render_template(
        "error.html", request, {"status": status, "title": title, "message": message, "page": "error",
                                "user": None, "quick_exit_url": request.app[settings_key].quick_exit_url}
    )
    response.set_status(status)
    return response


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """The headers every answer carries (app.on_response_prepare: redirects, errors, files and
    the Socket.IO handshake too); pages and API answers are never cached, as they may hold personal data."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.app[settings_key].secure_cookies:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if not request.path.startswith(("/static/", "/vendor/")):
        response.headers.setdefault("Cache-Control", "no-store")


@web.middleware
async def same_origin_changes(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse state-changing requests that a browser sent from another site (CSRF)."""
    if request.method in UNSAFE_METHODS and not bearer_token(request):
        origin = request.headers.get("Origin")
        # "same-site" too: a sibling subdomain is another website, though SameSite cookies reach us from it.
        other_site = request.headers.get("Sec-Fetch-Site") in {"cross-site", "same-site"}
        if other_site or (origin is not None and origin not in own_origins(request)):
            raise ServiceError("bad_origin")
    return await handler(request)


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every failure into the documented JSON error or a friendly page."""
    try:
        return await handler(request)
    except ServiceError as exc:
        if wants_json(request):
            return web.json_response(exc.as_dict(), status=exc.status)
        return render_error(request, exc.status, "Sorry", exc.message)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = {404: "not_found", 405: "bad_request", 413: "bad_request"}.get(exc.status, "bad_request")
        if wants_json(request):
            message = "We couldn't find that." if exc.status == 404 else exc.reason
            return web.json_response({"ok": False, "error": {"code": code, "message": message}}, status=exc.status)
        if exc.status == 404:
            return render_error(request, 404, "We couldn't find that page", "Check the address, or go back to the start.")
        return render_error(request, exc.status, "Sorry", exc.reason)
    except PyMongoError as exc:
        log.warning("database error on %s %s: %s", request.method, request.path, exc.__class__.__name__)
        if wants_json(request):
            return web.json_response(ServiceError("unavailable").as_dict(), status=503)
        return render_error(request, 503, "We're having trouble", "Please try again in a minute.")
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        if wants_json(request):
            return web.json_response(ServiceError("internal_error").as_dict(), status=500)
        return render_error(request, 500, "Something went wrong", "It's our fault, not yours. Please try again.")
