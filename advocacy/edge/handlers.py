"""What every HTTP handler shares: who is asking, the permission check, JSON bodies and answers,
the session cookie, page contexts, and tables as CSV downloads.

Handlers reach the services through ``request.app[services_key]`` (advocacy.edge.keys).
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from advocacy.auth.permissions import may
from advocacy.auth.principal import Principal
from advocacy.edge import safe_json
from advocacy.edge.keys import services_key
from advocacy.errors import ServiceError
from advocacy.settings import Settings

SESSION_COOKIE = "advocacy_session"
# Set between the right password and a first authenticator code (advocacy.auth.staff_sign_in).
ENROL_COOKIE = "advocacy_enrol"
_PRINCIPAL = web.RequestKey("principal", Principal)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# A spreadsheet runs a cell starting with one of these as a formula.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_FILE_NAME = re.compile(r"[^a-z0-9-]+")


def settings_of(request: web.Request) -> Settings:
    return request.app[services_key].settings


def ok(status: int = 200, **body: Any) -> web.Response:
    return web.json_response({"ok": True, **body}, status=status)


def client_address(request: web.Request) -> str:
    """The address the request came from, for limits on sign-in tries: from one of ``trusted_proxies``,
    the address that proxy put last in X-Forwarded-For (the one it saw); otherwise the connection's."""
    remote = request.remote or "unknown"
    proxies = settings_of(request).trusted_proxies
    if proxies and remote in proxies.split(","):
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
        return forwarded[:100] or remote
    return remote


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
        principal = request[_PRINCIPAL] = await request.app[services_key].auth.principal_for(request_token(request))
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
    # Another website's form can post text/plain but not application/json without asking us first (CORS),
    # and we never agree.
    if request.content_type != "application/json":
        raise ServiceError("bad_request", "That request didn't make sense to us: send the body as JSON "
                                          "(Content-Type: application/json). Nothing was changed.")
    try:
        body = await request.json(loads=safe_json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        raise ServiceError("bad_request",
                           "That request didn't make sense to us: the body should be JSON, nested at most "
                           f"{safe_json.MAX_DEPTH} levels deep, with no number too big to store. "
                           "Nothing was changed.") from None
    if not isinstance(body, dict):
        raise ServiceError("bad_request",
                           "That request didn't make sense to us: the body should be a JSON object. "
                           "Nothing was changed.")
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
    now = request.app[services_key].clock.now()
    set_session_cookie(response, token, int((principal.expires_at - now).total_seconds()), settings_of(request))
    return response


def clear_session_cookie(response: web.StreamResponse, settings: Settings) -> None:
    response.del_cookie(SESSION_COOKIE, path="/", samesite="Strict", secure=settings.secure_cookies, httponly=True)


async def signed_in_as(request: web.Request, action: str) -> Principal:
    """The signed-in caller, if the permission table lets their role do ``action`` (else forbidden)."""
    principal = await principal_of(request)
    if not may(principal.role, action):
        raise ServiceError("forbidden")
    return principal


# pages ---------------------------------------------------------------------------


def page_context(request: web.Request, page: str, user: dict | None = None, **extra: object) -> dict[str, object]:
    return {"page": page, "user": user, "quick_exit_url": settings_of(request).quick_exit_url, **extra}


async def page_principal(request: web.Request, action: str, sign_in: str, refused: str) -> Principal:
    """The signed-in person if the permission table lets them open this page; sent to ``sign_in`` if
    nobody is signed in (a child to their own sign-in page); refused (403, in words) otherwise."""
    principal = await optional_principal(request)
    if principal is None:
        raise web.HTTPSeeOther(sign_in)
    if not may(principal.role, action):
        if principal.role == "child":
            raise web.HTTPSeeOther("/child/sign-in")
        raise ServiceError("forbidden", refused)
    return principal


async def staff_page(request: web.Request, action: str, refused: str) -> Principal:
    """``page_principal`` for a staff page."""
    return await page_principal(request, action, "/staff/sign-in", refused)


def link(request: web.Request, **changes: str | None) -> str:
    """This page's address with some query values changed (None removes one)."""
    query = {k: v for k, v in request.query.items() if k != "download"}
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return f"{request.path}?{urlencode(query)}" if query else request.path


# downloads -------------------------------------------------------------------------


def cell_text(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA) and not re.fullmatch(r"-?\d+(\.\d+)?", text):
        return "'" + text
    return text


def csv_response(name: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> web.Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([cell_text(h) for h in header])
    for row in rows:
        writer.writerow([cell_text(v) for v in row])
    filename = _FILE_NAME.sub("-", name.lower()).strip("-") or "table"
    return web.Response(
        body=out.getvalue().encode("utf-8-sig"),  # the byte order mark tells spreadsheets it is UTF-8
        content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )
