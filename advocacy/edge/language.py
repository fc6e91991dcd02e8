"""The language of a child's pages: chosen on the sign-in page or in their settings, kept on their
record and in a cookie so every page (and a page before sign-in) reads in it.

Every template is rendered with the words of its page's language (``translations``,
used by Jinja2's i18n tags through ``gettext``), the ``lang`` and ``dir`` of the
page, and the words the page's scripts show (``page_words``: English text to
translation, read by ``web/static/js/words.js``). Staff pages stay English.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from babel.messages.extract import extract_from_file
from babel.support import NullTranslations

from advocacy.edge.handlers import Handler, optional_principal
from advocacy.edge.keys import services_key
from advocacy.languages import Languages, install_gettext

LANGUAGE_COOKIE = "advocacy_language"
# The scripts of the child's pages whose words are in the catalogues (babel.cfg lists the same files).
CHILD_SCRIPTS = ("words.js", "app.js", "chat.js", "child.js", "worries.js", "sign-in.js", "complaints.js",
                 "put-right.js", "feedback.js")
_ENGLISH = NullTranslations()
_SCRIPT_WORDS = web.AppKey("script_words", dict)


def child_facing(request: web.Request) -> bool:
    return request.path == "/" or request.path == "/child" or request.path.startswith("/child/")


@web.middleware
async def page_language_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every page's language context, where aiohttp_jinja2 merges it into each render (error pages too)."""
    context = await page_language(request)
    # aiohttp_jinja2 reads this context under a plain string key; setting one warns (no await inside).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", web.NotAppKeyWarning)
        request.setdefault(aiohttp_jinja2.REQUEST_CONTEXT_KEY, {}).update(context)
    return await handler(request)


@web.middleware
async def remember_picked(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A child's page opened with ``?lang=`` (the picker before sign-in) keeps that language in the cookie."""
    response = await handler(request)
    picked = request.query.get("lang")
    if request.method == "GET" and child_facing(request) and picked in request.app[services_key].languages:
        remember_language(response, request, picked)
    return response


def chosen_language(request: web.Request) -> str | None:
    """The language the reader chose (the ``lang`` query value first, then the cookie), if it is one."""
    languages = request.app[services_key].languages
    for code in (request.query.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if code in languages:
            return code
    return None


def remember_language(response: web.StreamResponse, request: web.Request, code: str) -> None:
    response.set_cookie(LANGUAGE_COOKIE, code, max_age=400 * 24 * 3600, httponly=True, samesite="Lax",
                        secure=request.app[services_key].settings.secure_cookies, path="/")


def script_words(js_dir: Path) -> list[str]:
    """The English words the child's scripts pass to ``_()``, as ``make extract-messages`` finds them."""
    found: list[str] = []
    for name in CHILD_SCRIPTS:
        for _, message, _, _ in extract_from_file("javascript", str(js_dir / name)):
            if isinstance(message, str) and message not in found:
                found.append(message)
    return found


def install(app: web.Application, env: jinja2.Environment, js_dir: Path) -> None:
    """Jinja2's i18n tags take each page's words from its context; the scripts' words are listed once."""
    install_gettext(env)
    app[_SCRIPT_WORDS] = {"words": script_words(js_dir), "by_language": {}}
    app.middlewares.append(page_language_context)
    app.middlewares.append(remember_picked)


async def page_language(request: web.Request) -> dict[str, Any]:
    """The context every page gets: its language, direction, words and the scripts' words."""
    services = request.app[services_key]
    languages: Languages = services.languages
    if not child_facing(request):
        return {"lang": "en-GB", "dir": "ltr", "translations": _ENGLISH, "language": languages.get(languages.default),
                "languages": list(languages), "page_words": {}, "child_app": None}
    code = chosen_language(request)
    if code is None:
        # A signed-in child whose cookie went: their record says.
        principal = await optional_principal(request)
        if principal is not None and principal.role == "child":
            code = await services.auth.child_language(principal.user_id)
    code = languages.pick(code)
    return {"lang": "en-GB" if code == "en" else code, "dir": languages.get(code).direction,
            "translations": languages.translations(code), "language": languages.get(code),
            "languages": list(languages), "page_words": _words_for(request.app, languages, code),
            "language_choices": language_choices(languages, code),
            # The child's pages are an installable app (advocacy.edge.push_views), named in their language.
            "child_app": {"manifest": f"/child/manifest.webmanifest?lang={code}",
                          "worker": f"/child/sw.js?lang={code}"}}


def _words_for(app: web.Application, languages: Languages, code: str) -> dict[str, str]:
    cache = app[_SCRIPT_WORDS]
    if code not in cache["by_language"]:
        gettext = languages.gettext(code)
        cache["by_language"][code] = {w: gettext(w) for w in cache["words"] if gettext(w) != w}
    return cache["by_language"][code]


def language_choices(languages: Languages, chosen: str) -> list[dict[str, Any]]:
    return [{"code": lang.code, "name": lang.name, "english": lang.english, "chosen": lang.code == chosen,
             "html_lang": "en-GB" if lang.code == "en" else lang.code, "dir": lang.direction}
            for lang in languages]

