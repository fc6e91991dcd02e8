"""What every answer goes through: errors turned into the documented JSON or a friendly page,
the same-site check on changes (CSRF), the security headers, and each request's id for the logs."""

from __future__ import annotations

import logging
import re

import aiohttp_jinja2
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from advocacy.edge.handlers import Handler, bearer_token, settings_of
from advocacy.edge.metrics import metrics_key
from advocacy.errors import ServiceError
from advocacy.logs import new_request_id, request_id
from advocacy.store import PyMongoError
from advocacy.words import english

log = logging.getLogger(__name__)

REQUEST_ID = re.compile(r"[A-Za-z0-9-]{8,64}")

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
def own_origins(request: web.Request) -> set[str]:
    settings = settings_of(request)
    origins = {f"{request.scheme}://{request.host}"}
    if settings.public_url:
        origins.add(settings.public_url.rstrip("/"))
    return origins


def wants_json(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def render_error(request: web.Request, status: int, title: str, message: str) -> web.Response:
    response = aiohttp_jinja2.render_template(
        "error.html", request, {"status": status, "title": title, "message": message, "page": "error",
                                "user": None, "quick_exit_url": settings_of(request).quick_exit_url}
    )
    response.set_status(status)
    return response


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """The headers every answer carries (app.on_response_prepare: redirects, errors, files and
    the Socket.IO handshake too); pages and API answers are never cached, as they may hold personal data."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    # aiohttp would name itself and Python with their versions; an attacker learns nothing from this.
    response.headers["Server"] = "advocacy"
    if settings_of(request).secure_cookies:
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
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give the request an id for the logs (the proxy's X-Request-ID if it sent a sane one) and return it."""
    given = request.headers.get("X-Request-ID", "")
    rid = given if REQUEST_ID.fullmatch(given) else new_request_id()
    request_id.set(rid)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers["X-Request-ID"] = rid
        raise
    response.headers["X-Request-ID"] = rid
    return response


class AccessLog(AbstractAccessLogger):
    """One line per request, on the logger ``advocacy.access``: never the query string or a body."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info("%s %s %s", request.method, request.path, response.status, extra={
            "request_id": response.headers.get("X-Request-ID", "-"), "method": request.method, "path": request.path,
            "status": response.status, "size": response.body_length, "duration_ms": round(time * 1000, 1)})


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every failure into the documented JSON error or a friendly page."""
    try:
        return await handler(request)
    except ServiceError as exc:
        if wants_json(request):
            return web.json_response(exc.as_dict(), status=exc.status)
        return render_error(request, exc.status, english("Sorry"), exc.message)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = {404: "not_found", 405: "bad_request", 413: "bad_request"}.get(exc.status, "bad_request")
        if wants_json(request):
            message = "We couldn't find that." if exc.status == 404 else exc.reason
            return web.json_response({"ok": False, "error": {"code": code, "message": message}}, status=exc.status)
        if exc.status == 404:
            return render_error(request, 404, english("We couldn't find that page"),
                                english("Check the address, or go back to the start."))
        return render_error(request, exc.status, english("Sorry"), exc.reason)
    except PyMongoError as exc:
        log.warning("database error on %s %s: %s", request.method, request.path, exc.__class__.__name__)
        if metrics_key in request.app:
            request.app[metrics_key].database_errors.inc()
        if wants_json(request):
            return web.json_response(ServiceError("unavailable").as_dict(), status=503)
        return render_error(request, 503, english("We're having trouble"), english("Please try again in a minute."))
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        if wants_json(request):
            return web.json_response(ServiceError("internal_error").as_dict(), status=500)
        return render_error(request, 500, english("Something went wrong"),
                            english("It's our fault, not yours. Please try again."))
