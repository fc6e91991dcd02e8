"""Every HTTP route and every Socket.IO event, tried as every kind of caller.

The routes come from the app's router and the events from the registered
Socket.IO namespaces, so a new route or event without a row here fails
``test_every_route_and_event_has_a_row``.

To add a route: one line in ROUTES, e.g.

    "GET /api/concerns/{concern}": Row(allowed={"advocate", "manager"}),

naming the callers (ACTORS) who may use it; everyone else is tried and must be
refused (401/403/404, or a redirect to sign in for a page) with nothing changed
in the database. Path parameters are filled from PLACEHOLDERS (add one for a
new name). To add an event: one line in EVENTS, with the data to send.

A new kind of caller (a cover advocate whose cover has ended, a reviewer of a
concern that was never escalated ...) is one entry in ACTORS: a function
returning a session token for them. Every existing row then refuses them unless
it says otherwise.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import socketio
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from advocacy.auth.accounts import create_staff
from advocacy.edge.keys import sio_key
from advocacy.pairing import plans
from tests.integration import concerns_support as concerns
from tests.support import PASSWORD, ChatClient, Server, World, add_advocate, make_pairable

# callers --------------------------------------------------------------------------

TARGET_CHILD = 0  # world.children[0]: Amira, paired to advocates[0], whose manager is world.manager

SIGNED_OUT = {"signed_out", "expired", "revoked"}
# Advocates covering for the target child's advocate: now, and one whose cover ended yesterday.
COVER = {"covering_advocate", "cover_ended_advocate"}
# An interpreter the target child let into their chat (until an hour from now), and one whose time has ended.
INTERPRETERS = {"interpreter", "interpreter_ended"}
ALL_SIGNED_IN = {"child", "other_child", "advocate", "other_advocate", "cover_advocate", "manager", "other_manager",
                 "reviewer", "admin", "bot"} | COVER | INTERPRETERS
STAFF_CONSOLE = {"advocate", "other_advocate", "manager", "other_manager", "admin"} | COVER
# The transparency figures: counts with small numbers suppressed, for the Commissioner's office and managers.
FIGURES = {"reviewer", "manager", "other_manager", "admin"}


async def _mint(scene: Scene, user_id: str, role: str, lifetime: timedelta = timedelta(hours=1)) -> str:
    token, _ = await scene.server.services.auth.open_session(user_id, role, lifetime)
    return token


async def _staff(scene: Scene, username: str, role: str, session_role: str | None = None) -> str:
    doc = await scene.server.store.staff.find_one({"username": username}) or await create_staff(
        scene.server.store, scene.server.clock, username=username, password=PASSWORD, name=username, role=role)
    return await _mint(scene, doc["_id"], session_role or role)


async def _revoked(scene: Scene) -> str:
    token = await _mint(scene, scene.world.children[TARGET_CHILD].id, "child")
    principal = await scene.server.services.auth.principal_for(token)
    await scene.server.services.auth.end_session(principal.session_id)
    return token


async def _covering(scene: Scene, username: str, from_days: int, to_days: int) -> str:
    """An advocate covering the target child between these days (from now) while its advocate is away."""
    token = await _staff(scene, username, "advocate")
    cover = await scene.server.store.staff.find_one({"username": username}, {"_id": 1})
    now = scene.server.clock.now()
    await scene.server.store.covers.update_one({"_id": f"cover-{username}"}, {"$set": {
        "leave": f"leave-{username}", "child": scene.world.children[TARGET_CHILD].id,
        "advocate": scene.world.advocates[0].id, "cover": cover["_id"], "starts_at": now + timedelta(days=from_days),
        "ends_at": now + timedelta(days=to_days), "last_day": (now + timedelta(days=to_days - 1)).date().isoformat(),
        "told_start": True, "told_end": False}}, upsert=True)
    return token


async def _interpreter(scene: Scene, username: str, state: str, ends_in: timedelta) -> str:
    """An interpreter in the target child's conversation: agreed until ``ends_in`` from now, or ended."""
    token = await _staff(scene, username, "interpreter")
    doc = await scene.server.store.staff.find_one({"username": username}, {"_id": 1})
    now = scene.server.clock.now()
    await scene.server.store.interpreting.update_one({"_id": f"in-{username}"}, {"$set": {
        "conversation": scene.conversation, "child": scene.world.children[TARGET_CHILD].id,
        "advocate": scene.world.advocates[0].id, "interpreter": doc["_id"], "state": state,
        "asked_at": now - timedelta(minutes=5), "ends_at": now + ends_in, "agreed_at": now - timedelta(minutes=4),
        "earlier": False, "visible_from": now - timedelta(minutes=4), "ended_at": None, "ended_by": None}},
        upsert=True)
    return token


async def _invitation(scene: Scene, state: str) -> dict[str, str]:
    """A fresh invitation of an interpreter into the target child's chat, the only open one there."""
    store, now = scene.server.store, scene.server.clock.now()
    await store.interpreting.update_many({"conversation": scene.conversation, "_id": {"$ne": "in-ivy.interpreter"},
                                          "state": {"$in": ["asked", "agreed"]}}, {"$set": {"state": "ended"}})
    await store.interpreting.update_one({"_id": "in-ivy.interpreter"}, {"$set": {"state": "ended"}})
    interpreter = await store.staff.find_one({"username": "ivy.interpreter"}, {"_id": 1})
    doc = {"_id": scene.fresh_id(), "conversation": scene.conversation, "child": scene.world.children[TARGET_CHILD].id,
           "advocate": scene.world.advocates[0].id, "interpreter": interpreter["_id"], "state": state,
           "asked_at": now, "ends_at": now + timedelta(hours=1), "agreed_at": now if state == "agreed" else None,
           "earlier": False, "visible_from": now if state == "agreed" else None, "ended_at": None, "ended_by": None}
    await store.interpreting.insert_one(doc)
    return {"invitation": doc["_id"]}


async def _no_open_invitation(scene: Scene) -> dict[str, str]:
    await scene.server.store.interpreting.update_many({"conversation": scene.conversation,
                                                       "state": {"$in": ["asked", "agreed"]}},
                                                      {"$set": {"state": "ended"}})
    return {}


Actor = Callable[["Scene"], Awaitable[str | None]]
ACTORS: dict[str, Actor] = {
    "signed_out": lambda s: _none(),
    "expired": lambda s: _mint(s, s.world.advocates[0].id, "advocate", timedelta(seconds=-1)),
    "revoked": _revoked,
    "child": lambda s: _mint(s, s.world.children[TARGET_CHILD].id, "child"),
    "other_child": lambda s: _mint(s, s.world.children[2].id, "child"),
    "advocate": lambda s: _mint(s, s.world.advocates[0].id, "advocate"),
    "other_advocate": lambda s: _mint(s, s.world.advocates[1].id, "advocate"),
    "cover_advocate": lambda s: _staff(s, "cory.cover", "advocate", "cover_advocate"),
    "manager": lambda s: _mint(s, s.world.manager.id, "manager"),
    "other_manager": lambda s: _mint(s, s.world.other_manager.id, "manager"),
    "reviewer": lambda s: _staff(s, "rae.reviewer", "reviewer"),
    "admin": lambda s: _staff(s, "ann.admin", "admin"),
    "bot": lambda s: _mint(s, "bot_welcome", "bot"),
    "covering_advocate": lambda s: _covering(s, "cal.covering", -1, 1),
    "cover_ended_advocate": lambda s: _covering(s, "eda.ended", -3, -1),
    "interpreter": lambda s: _interpreter(s, "ivy.interpreter", "agreed", timedelta(hours=1)),
    # ended (as the job ends one whose time came: an agreed one past its time is in the integration tests)
    "interpreter_ended": lambda s: _interpreter(s, "ian.interpreter", "ended", timedelta(minutes=-1)),
}


async def _none() -> None:
    return None


# what is asked for --------------------------------------------------------------

PLACEHOLDERS: dict[str, Callable[[Scene], str]] = {
    "child": lambda s: s.values.get("child", s.world.children[TARGET_CHILD].id),
    "staff": lambda s: s.world.advocates[0].id,
    "name": lambda s: "socket.io.min.js",
    "path": lambda s: "css/app.css",
    "advocate": lambda s: s.world.advocates[0].id,
    "plan": lambda s: s.values.get("plan", s.plan),
    "action": lambda s: s.values.get("action", "approve"),
    "concern": lambda s: s.values.get("concern", "co_none"),  # a scene's concern (make_scene), or none at all
    "item": lambda s: s.values.get("item", "ov_none"),
    "complaint": lambda s: s.values.get("complaint", "cp_none"),
    "reply": lambda s: s.values.get("reply", "cr_none"),
    "correction": lambda s: s.values.get("correction", "rc_none"),
    "feedback": lambda s: s.values.get("feedback", "fb_none"),
    "moment": lambda s: s.values.get("moment", "km_none"),
    "region": lambda s: "yorkshire-and-the-humber",
    "la": lambda s: "E08000035",
    "conversation": lambda s: s.conversation,
    "invitation": lambda s: s.values.get("invitation", "in_none"),
}


@dataclass(frozen=True)
class Row:
    """Who may use a route: ``public`` (anyone, signed in or not) or the ``allowed`` callers."""

    allowed: frozenset[str] | set[str] = frozenset()
    public: bool = False
    body: Any = None  # or a function of the scene, for a body naming the target child
    # Records in the state the route needs (a fresh concern to resolve ...): returns path values.
    setup: Callable[[Scene], Awaitable[dict[str, str]]] | None = None
    query: str = ""  # a query string the route needs, e.g. "q=brother"


NEW_STAFF = itertools.count()  # each new account a username of its own
# A browser's push subscription (its push service on loopback, as tests/support.py allows; nothing listens there).
PHONE = {"endpoint": "http://127.0.0.1:9/push/permissions", "keys": {
    "p256dh": base64.urlsafe_b64encode(ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)).rstrip(b"=").decode(),
    "auth": base64.urlsafe_b64encode(bytes(16)).rstrip(b"=").decode()}}
ROUTES: dict[str, Row] = {
    # pages and files
    "GET /": Row(public=True),
    "GET /child/sign-in": Row(public=True),
    "GET /staff/sign-in": Row(public=True),
    "GET /staff/enrol": Row(public=True),  # shows only the enrolment in the caller's own cookie
    "GET /child": Row(allowed={"child", "other_child"}),
    "GET /console": Row(allowed=STAFF_CONSOLE),
    "GET /vendor/{name}": Row(public=True),
    "GET /static/{path}": Row(public=True),
    "GET /socket.io/": Row(public=True),  # the transport: namespaces check the session (EVENTS)
    "POST /socket.io/": Row(public=True),
    "OPTIONS /socket.io/": Row(public=True),
    # sessions
    "POST /api/session/staff": Row(public=True),
    "POST /api/session/staff/enrol": Row(public=True),
    "POST /api/session/child": Row(public=True),
    "GET /api/session": Row(allowed=ALL_SIGNED_IN),
    "DELETE /api/session": Row(public=True),
    "POST /api/session/end": Row(public=True),
    # a child's record
    "POST /api/children/{child}/reset-pin": Row(allowed={"advocate", "manager", "admin"}),
    "POST /api/children/{child}/access-code": Row(allowed={"advocate", "manager", "admin"}),
    "POST /api/children/{child}/sessions/revoke": Row(allowed={"advocate", "manager", "admin"}),
    "GET /api/children/{child}/export": Row(allowed={"advocate", "manager", "admin"}),
    "GET /api/children/{child}/export.html": Row(allowed={"advocate", "manager", "admin"}),
    # staff accounts
    "POST /api/staff/{staff}/unlock": Row(allowed={"admin"}),
    "POST /api/staff/{staff}/second-factor/reset": Row(allowed={"admin"}),
    # concerns, safeguarding and the oversight queue (issue 4)
    "GET /child/worries": Row(allowed={"child", "other_child"}),
    "GET /child/what-happens": Row(public=True),
    "GET /child/worries/new": Row(allowed={"child", "other_child"}),
    "GET /console/concerns": Row(allowed={"advocate", "other_advocate", "manager", "other_manager"} | COVER),
    "POST /api/concerns": Row(allowed={"child", "advocate", "covering_advocate", "manager"}, body=lambda s: {
        "child": s.world.children[TARGET_CHILD].id, "category": "contact", "severity": "standard",
        "child_words": "I want to see my brother.", "child_wants": "Every week."}),
    "GET /api/concerns": Row(allowed={"child", "other_child", "advocate", "other_advocate", "manager",
                                      "other_manager"} | COVER),
    "GET /api/concerns/categories": Row(allowed={"child", "other_child", "advocate", "other_advocate", "manager",
                                                 "other_manager", "reviewer"} | COVER),
    "GET /api/concerns/{concern}": Row(allowed={"child", "advocate", "covering_advocate", "manager"}),
    "POST /api/concerns/{concern}/actions": Row(allowed={"advocate", "covering_advocate", "manager"},
                                                body={"kind": "note", "note": "Hi."}),
    "POST /api/concerns/{concern}/status": Row(allowed={"advocate", "covering_advocate", "manager"},
                                               body={"status": "raised"},
                                               setup=concerns.open_concern),
    "POST /api/concerns/{concern}/resolve": Row(allowed={"advocate", "covering_advocate", "manager"},
                                                body={"outcome": "Sorted."},
                                                setup=concerns.open_concern),
    "POST /api/concerns/{concern}/close": Row(allowed={"advocate", "covering_advocate", "manager"},
                                              body={}, setup=concerns.resolved_concern),
    "POST /api/concerns/{concern}/escalate": Row(allowed={"advocate", "covering_advocate", "manager"},
                                                 body={"level": "manager", "reason": "Late."},
                                                 setup=concerns.open_concern),
    "POST /api/concerns/{concern}/confirm": Row(allowed={"advocate", "covering_advocate", "manager"},
                                                body={}, setup=concerns.draft_concern),
    "POST /api/concerns/{concern}/dismiss": Row(allowed={"advocate", "covering_advocate", "manager"},
                                                body={"reason": "A song lyric."},
                                                setup=concerns.draft_concern),
    "POST /api/children/{child}/disclosures": Row(allowed={"advocate", "covering_advocate", "manager"}, body={
        "with": "police", "what": "What she said.", "why": "Risk tonight.", "child_told": True}),
    "GET /api/children/{child}/disclosures": Row(allowed={"advocate", "covering_advocate", "manager"}),
    "GET /api/children/{child}/flags": Row(allowed={"advocate", "covering_advocate", "manager"}),
    "GET /api/oversight/items": Row(allowed={"reviewer"}),
    "GET /api/oversight/items/{item}": Row(allowed={"reviewer"}, setup=concerns.new_item),
    "POST /api/oversight/items/{item}/claim": Row(allowed={"reviewer"}, setup=concerns.new_item),
    "POST /api/oversight/items/{item}/release": Row(allowed={"reviewer"}, setup=concerns.claimed_item),
    "POST /api/oversight/items/{item}/notes": Row(allowed={"reviewer"}, body={"text": "n"},
                                                  setup=concerns.claimed_item),
    "POST /api/oversight/items/{item}/update-requests": Row(allowed={"reviewer"}, body={"from": "la", "text": "Why?"},
                                                            setup=concerns.claimed_item),
    "POST /api/oversight/items/{item}/updates": Row(allowed={"reviewer"}, body={"text": "Because."},
                                                    setup=concerns.awaiting_item),
    "POST /api/oversight/items/{item}/representations": Row(allowed={"reviewer"}, body={"to": "la", "text": "Act."},
                                                            setup=concerns.claimed_item),
    "POST /api/oversight/items/{item}/close": Row(allowed={"reviewer"}, body={"decision": "upheld"},
                                                  setup=concerns.claimed_item),
    # the oversight console, the figures and the managers' team page (issue 5)
    "GET /oversight": Row(allowed={"reviewer"}),
    "GET /oversight/items/{item}": Row(allowed={"reviewer"}, setup=concerns.new_item),
    "POST /api/oversight/items/{item}/reveal": Row(allowed={"reviewer"}, body={"reason": "To check the placement."},
                                                   setup=concerns.new_item),
    "GET /figures": Row(allowed=FIGURES),
    "GET /figures/regions/{region}": Row(allowed=FIGURES),
    "GET /figures/las/{la}": Row(allowed=FIGURES),
    "GET /figures/equality": Row(allowed=FIGURES),
    # equality monitoring (issue 19 item 7): the child's own page; their advocate only with their agreement
    "GET /child/about-you": Row(allowed={"child", "other_child"}),
    "POST /child/about-you": Row(allowed={"child", "other_child"}),  # no answers: nothing kept, the page again
    "PUT /api/children/{child}/equality": Row(allowed={"child", "advocate"}, body={
        "answers": {"disability": "prefer_not_to_say"}, "child_agreed": True}),
    "DELETE /api/children/{child}/equality": Row(allowed={"child", "advocate"}),
    "GET /console/team": Row(allowed={"manager", "other_manager"}),
    "GET /console/staff": Row(allowed={"manager", "other_manager", "admin"}),
    "POST /console/staff": Row(allowed={"manager", "other_manager", "admin"}),  # no form: shown again, with why
    "POST /console/staff/{staff}": Row(allowed={"manager", "admin"}),
    "POST /console/staff/{staff}/leave": Row(allowed={"manager", "admin"}),  # no form: shown again, with why
    "GET /api/staff": Row(allowed={"manager", "other_manager", "admin"}),
    "POST /api/staff": Row(allowed={"manager", "other_manager", "admin"}, body=lambda s: {
        "username": f"new.advocate.{next(NEW_STAFF)}", "name": "New Advocate", "capacity": 3}),
    "PATCH /api/staff/{staff}": Row(allowed={"manager", "admin"}, body={"name": "Ada Advocate"}),
    # complaints about the service itself (issue 19): the target child's complaint about their advocate goes to
    # that advocate's manager; the advocate complained about is refused everything about it
    "GET /child/complaints": Row(allowed={"child", "other_child"}),
    "GET /console/complaints": Row(allowed={"manager", "other_manager", "admin"}),
    "POST /api/complaints": Row(allowed={"child", "advocate", "manager", "admin"}, body=lambda s: {
        "child": s.world.children[TARGET_CHILD].id, "about": "service", "words": "Nobody came."}),
    "GET /api/complaints": Row(allowed={"child", "other_child", "manager", "other_manager", "admin"}),
    "GET /api/complaints/{complaint}": Row(allowed={"child", "manager", "admin"}, setup=concerns.new_complaint),
    "POST /api/complaints/{complaint}/acknowledge": Row(allowed={"manager", "admin"}, body={},
                                                       setup=concerns.new_complaint),
    "POST /api/complaints/{complaint}/answer": Row(allowed={"manager", "admin"},
                                                   body={"outcome": "upheld", "answer": "Sorry."},
                                                   setup=concerns.new_complaint),
    "POST /api/complaints/{complaint}/escalate": Row(allowed={"child"}, body={}, setup=concerns.new_complaint),
    # putting records right (issue 19): the target child asks; their advocate's manager (or an admin) decides,
    # never the advocate
    "GET /child/put-right": Row(allowed={"child", "other_child"}),
    "GET /console/corrections": Row(allowed={"manager", "other_manager", "admin"}),
    "POST /api/corrections": Row(allowed={"child", "other_child"}, body={"kind": "name", "should_say": "Amira Q."}),
    "GET /api/corrections": Row(allowed={"child", "other_child", "manager", "other_manager", "admin"}),
    "GET /api/corrections/{correction}": Row(allowed={"child", "manager", "admin"}, setup=concerns.new_correction),
    "POST /api/corrections/{correction}/decide": Row(allowed={"manager", "admin"},
                                                     body={"decision": "refuse", "reason": "Because."},
                                                     setup=concerns.new_correction),
    # the child's feedback (issue 19): only the child reads or gives their own answers; no staff route at all
    "GET /child/feedback": Row(allowed={"child", "other_child"}),
    "GET /api/feedback": Row(allowed={"child", "other_child"}),
    "POST /api/feedback/{feedback}/answer": Row(allowed={"child"}, body={"listened": "yes"},
                                                setup=concerns.new_feedback),
    "POST /api/feedback/{feedback}/decline": Row(allowed={"child"}, body={}, setup=concerns.new_feedback),
    # non-instructed advocacy and key moments (issue 17): the target child's advocate, who covers them, their
    # manager; never the child, a reviewer or an admin. Managers and admins record a moment for any child (an
    # opted-out child has no team), which re-offers advocacy once; the figures are everyone's who sees figures
    "GET /api/non-instructed": Row(allowed={"advocate", "other_advocate", "manager", "other_manager"} | COVER),
    "GET /api/children/{child}/non-instructed": Row(allowed={"advocate", "covering_advocate", "manager"}),
    "POST /api/children/{child}/non-instructed": Row(allowed={"advocate", "covering_advocate", "manager"},
                                                     body=lambda s: {"reason": "Cannot instruct yet.",
                                                                     "review_by": _days_on(s, 30)}),
    "POST /api/children/{child}/visits": Row(allowed={"advocate", "covering_advocate", "manager"},
                                             setup=lambda s: non_instructed(s), body=lambda s: {
                                                 "at": s.server.clock.now().isoformat(), "where": "home",
                                                 "seemed": "Settled.", "observed": "Played with the carer."}),
    "POST /api/children/{child}/instructed": Row(allowed={"advocate", "covering_advocate", "manager"},
                                                 setup=lambda s: non_instructed(s), body={"reason": "Uses signs now."}),
    "GET /api/children/{child}/moments": Row(allowed={"advocate", "covering_advocate", "manager"}),
    "POST /api/children/{child}/moments": Row(allowed={"advocate", "covering_advocate", "manager", "other_manager",
                                                       "admin"},
                                              body=lambda s: {"kind": "looked_after_review", "on": _days_on(s, 7)}),
    "POST /api/moments/{moment}/views": Row(allowed={"advocate", "covering_advocate", "manager"},
                                            setup=lambda s: held_moment(s), body={"views": "To stay at school."}),
    "POST /api/moments/{moment}/outcome": Row(allowed={"advocate", "covering_advocate", "manager"},
                                              setup=lambda s: held_moment(s),
                                              body={"decided": "Stays.", "views_put": True, "matched": "yes"}),
    "GET /api/figures/moments": Row(allowed=FIGURES),
    "GET /console/children/{child}/advocacy": Row(allowed={"advocate", "covering_advocate", "manager"}),
    # interpreters in a child's chat (issue 17), while the target child is still paired with advocates[0]: the
    # advocate asks, the child answers, either ends it; the interpreter has their page and the chat events (EVENTS)
    "GET /api/interpreters": Row(allowed={"advocate", "other_advocate", "cover_advocate"} | COVER),
    "GET /api/conversations/{conversation}/interpreter": Row(allowed={"child", "advocate", "covering_advocate"}),
    "POST /api/conversations/{conversation}/interpreter": Row(
        allowed={"advocate", "covering_advocate"}, body={"interpreter": "ivy.interpreter", "minutes": 30},
        setup=_no_open_invitation),
    "POST /api/interpreting/{invitation}/answer": Row(allowed={"child"}, body={"agree": True},
                                                       setup=lambda s: _invitation(s, "asked")),
    "POST /api/interpreting/{invitation}/end": Row(allowed={"child", "advocate", "covering_advocate"},
                                                    setup=lambda s: _invitation(s, "agreed")),
    "POST /child/interpreter": Row(allowed={"child", "other_child"}),  # no action: the chat page again
    "GET /interpreter": Row(allowed=INTERPRETERS),
    # the service
    "GET /api/health": Row(public=True),
    "GET /api/health/ready": Row(public=True),  # 503 only when not ready: the test server is
    "GET /metrics": Row(public=True),  # 404 with no metrics token set; a token, not a role, when set
    "GET /api/openapi.json": Row(public=True),
    # the console's tools (issue 20 item 9): the team's saved replies (Ada and Mo's team; Ada wrote the one
    # changed), search of one's own conversations, cover by hand of Billy (Amira is covered already by the
    # covering advocate), the filters on the list of children
    "GET /console/replies": Row(allowed={"advocate", "other_advocate", "manager", "other_manager"} | COVER),
    "GET /api/canned-replies": Row(allowed={"advocate", "other_advocate", "manager", "other_manager"} | COVER),
    "POST /api/canned-replies": Row(allowed={"advocate", "other_advocate", "manager", "other_manager"},
                                    body={"title": "Hello", "body": "<p>Hello, <strong>how are you?</strong></p>"}),
    "PUT /api/canned-replies/{reply}": Row(allowed={"advocate", "manager"}, body={"title": "Hi again"},
                                           setup=lambda s: ada_reply(s)),
    "DELETE /api/canned-replies/{reply}": Row(allowed={"advocate", "manager"}, setup=lambda s: ada_reply(s)),
    "GET /api/search": Row(allowed={"advocate", "other_advocate"} | COVER, query="q=brother"),
    "POST /api/children/{child}/cover": Row(allowed={"advocate", "manager"},
                                            body=lambda s: {"cover": s.values.get("pat", "nobody"), "hours": 4},
                                            setup=lambda s: billy_uncovered(s)),
    "DELETE /api/children/{child}/cover": Row(allowed={"advocate", "manager"}, setup=lambda s: billy_covered(s)),
    "GET /api/console/children": Row(allowed={"advocate", "other_advocate"} | COVER, query="filter=concern_due"),
    # pairing (advocacy.pairing): reads first, then changes, in an order that keeps the target child paired
    # with advocates[0] for as long as later rows need it
    "GET /child/advocate": Row(allowed={"child", "other_child"}),
    "POST /child/advocate": Row(allowed={"child", "other_child"}),  # no action: the page again
    # the child's pages as an app, and their notifications (issue 20): each child switches their own phone
    "GET /child/manifest.webmanifest": Row(public=True),
    "GET /child/sw.js": Row(public=True),
    "GET /child/offline": Row(public=True),
    "GET /api/chat/unread": Row(allowed={"child", "other_child"}),
    "GET /api/push": Row(allowed={"child", "other_child"}),
    "PUT /api/push/subscription": Row(allowed={"child", "other_child"}, body=lambda s: PHONE),
    "DELETE /api/push/subscription": Row(allowed={"child", "other_child"}, body={"endpoint": PHONE["endpoint"]}),
    "GET /child/settings": Row(allowed={"child", "other_child"}),
    "POST /child/settings": Row(allowed={"child", "other_child"}),  # no language: the page again
    "GET /console/pairing": Row(allowed={"manager", "other_manager", "admin"}),
    "POST /console/pairing": Row(allowed={"manager", "other_manager", "admin"}),
    "GET /api/pairing/plans": Row(allowed={"manager", "other_manager", "admin"}),
    "POST /api/pairing/plans": Row(allowed={"manager", "other_manager", "admin"}, body={}),
    "GET /api/pairing/plans/{plan}": Row(allowed={"manager", "other_manager", "admin"}),
    "POST /api/pairing/plans/{plan}/approve": Row(allowed={"manager", "other_manager", "admin"}, body={},
                                                  setup=lambda s: one_move_plan(s)),
    "POST /api/pairing/plans/{plan}/apply": Row(allowed={"manager", "other_manager", "admin"}, body={},
                                                setup=lambda s: one_move_plan(s)),
    "POST /console/pairing/{plan}/{action}": Row(allowed={"manager", "other_manager", "admin"},
                                                 setup=lambda s: one_move_plan(s, action="apply")),
    "GET /api/children/{child}/advocate": Row(allowed={"child", "advocate", "covering_advocate", "manager", "admin"}),
    "GET /api/children/{child}/pairings": Row(allowed={"child", "advocate", "covering_advocate", "manager", "admin"}),
    "GET /api/advocates/{advocate}/leave": Row(allowed={"manager", "admin"}),
    "POST /api/advocates/{advocate}/leave": Row(allowed={"manager", "admin"},
                                                body={"starts": "2099-01-04", "ends": "2099-01-08"}),
    "PATCH /api/advocates/{advocate}": Row(allowed={"manager", "admin"}, body={"available": True}),
    "POST /api/children/{child}/placement-moves": Row(allowed={"advocate", "manager", "other_manager", "admin"},
                                                      body={}),
    "POST /api/children/{child}/left-care": Row(allowed={"advocate", "manager", "other_manager", "admin"},
                                                body={"on": "2025-01-01"}),
    "PUT /api/children/{child}/earlier-chat": Row(allowed={"child"}, body={"share": False}),
    "POST /api/children/{child}/offer/decline": Row(allowed={"child"}),
    "POST /api/children": Row(allowed={"manager", "other_manager", "admin"}, body={"name": "Nia", "la": "E08000035"}),
    "POST /api/children/{child}/someone-else": Row(allowed={"child"}),
    "POST /api/children/{child}/opt-out": Row(allowed={"child"}),
    "POST /api/children/{child}/opt-in": Row(allowed={"child"}),
    "POST /api/advocates/{advocate}/leaving": Row(allowed={"manager", "admin"}),
}


async def ada_reply(scene: Scene) -> dict[str, str]:
    """A saved reply of Mo's team, written by Ada (advocates[0])."""
    store, clock = scene.server.store, scene.server.clock
    reply = {"_id": scene.fresh_id(), "team": scene.world.manager.id, "title": "Hello", "body": "<p>Hello</p>",
             "text": "Hello", "created_by": scene.world.advocates[0].id, "created_at": clock.now(),
             "updated_by": scene.world.advocates[0].id, "updated_at": clock.now()}
    await store.canned_replies.insert_one(reply)
    return {"reply": reply["_id"]}


async def billy_uncovered(scene: Scene) -> dict[str, str]:
    """Billy (Ada's, like Amira) with no cover, to be handed to Pat (Mo's team, like Ada)."""
    store = scene.server.store
    billy = scene.world.children[1].id
    await store.covers.delete_many({"child": billy})
    pat = await store.staff.find_one({"username": "pat.spare"}, {"_id": 1})
    return {"child": billy, "pat": pat["_id"]}


async def billy_covered(scene: Scene) -> dict[str, str]:
    """Billy handed to Pat by hand for the next four hours."""
    values = await billy_uncovered(scene)
    now = scene.server.clock.now()
    await scene.server.store.covers.insert_one({
        "_id": scene.fresh_id(), "leave": None, "kind": "hand", "child": values["child"],
        "advocate": scene.world.advocates[0].id, "cover": values["pat"], "starts_at": now,
        "ends_at": now + timedelta(hours=4), "last_day": now.date().isoformat(), "told_start": True,
        "told_end": False, "by": {"id": scene.world.advocates[0].id, "role": "advocate"}})
    return values


@dataclass(frozen=True)
class Event:
    """Who may connect to the namespace and send the event (``allowed``), with ``data`` aimed at the target child."""

    allowed: frozenset[str] | set[str]
    data: Callable[[Scene], Any] = lambda s: {}


# each sees only their own conversations (an interpreter whose time ended: none)
CHAT_OWN = {"child", "other_child", "advocate", "other_advocate"} | COVER | INTERPRETERS
CHAT_TARGET = {"child", "advocate", "covering_advocate"}
CHAT_INTERPRETED = CHAT_TARGET | {"interpreter"}  # read receipts are not theirs: the child would see "seen"
EVENTS: dict[str, Event] = {
    "/chat conversations": Event(CHAT_OWN),
    "/chat send": Event(CHAT_INTERPRETED, lambda s: {"conversation": s.conversation, "client_id": s.fresh_id(),
                                                "text": "written by someone who may not"}),
    "/chat history": Event(CHAT_INTERPRETED, lambda s: {"conversation": s.conversation}),
    "/chat read": Event(CHAT_TARGET, lambda s: {"conversation": s.conversation, "up_to": s.message}),
    "/chat typing": Event(CHAT_INTERPRETED, lambda s: {"conversation": s.conversation}),
    "/chat availability": Event({"advocate", "other_advocate"} | COVER, lambda s: {"away": False}),  # their own switch
    "/console alerts": Event(STAFF_CONSOLE | {"cover_advocate"}),
    "/console seen_groups": Event(STAFF_CONSOLE | {"cover_advocate"}, lambda s: {"all": True}),
    "/console notifications": Event(STAFF_CONSOLE | {"cover_advocate"}, lambda s: {"all": True}),
    "/console seen": Event(STAFF_CONSOLE | {"cover_advocate"}, lambda s: {"ids": [s.notification]}),
    "/bots post": Event({"bot"}, lambda s: {"conversation": s.conversation, "text": "Hello from the helper",
                                           "key": s.fresh_id()}),
    "/bots away": Event({"bot"}, lambda s: {"conversation": s.conversation}),
    "/bots waiting": Event({"bot"}),
    "/bots notify": Event({"bot"}, lambda s: {"conversation": s.conversation, "to": "advocate",
                                             "kind": "child.waiting", "key": s.fresh_id()}),
    "/bots pairings": Event({"bot"}, lambda s: {"since": "2020-01-01T00:00:00+00:00"}),
    "/oversight queue": Event({"reviewer"}),
}


async def one_move_plan(scene: Scene, **values: str) -> dict[str, str]:
    """A fresh plan moving Cara between Ben (Ola's team) and Pat (Mo's), so both managers may act on it."""
    store, clock = scene.server.store, scene.server.clock
    cara = scene.world.children[2]
    ben = scene.world.advocates[1].id
    pat = (await store.staff.find_one({"username": "pat.spare"}, {"_id": 1}))["_id"]
    now = (await store.children.find_one({"_id": cara.id}, {"advocate": 1})).get("advocate")
    plan = {"_id": scene.fresh_id(), "created_at": clock.now(), "by": {"id": "someone", "role": "admin"},
            "status": "proposed", "children": 3, "moves": 1, "cost_before": 0, "cost_after": 0, "notes": [],
            "changes": [{"child": cara.id, "from": now, "to": pat if now == ben else ben, "why": ["a test"],
                         "cost_before": 0, "cost_after": 0}]}
    await store.pairing_plans.insert_one(plan)
    return {"plan": plan["_id"], **values}


def _days_on(scene: Scene, days: int) -> str:
    return (scene.server.services.moments.today() + timedelta(days=days)).isoformat()


async def non_instructed(scene: Scene) -> dict[str, str]:
    """The target child's advocacy non-instructed (as their advocate records it), if it is not already."""
    server = scene.server
    child = scene.world.children[TARGET_CHILD].id
    if not (await server.store.children.find_one({"_id": child}, {"non_instructed": 1})).get("non_instructed"):
        _, advocate = await server.services.auth.open_session(scene.world.advocates[0].id, "advocate",
                                                              timedelta(minutes=5))
        await server.services.non_instructed.decide(advocate, child, {"reason": "Cannot instruct.",
                                                                      "review_by": _days_on(scene, 30)})
    return {}


async def held_moment(scene: Scene) -> dict[str, str]:
    """A review of the target child held yesterday, with their views written down."""
    server = scene.server
    _, advocate = await server.services.auth.open_session(scene.world.advocates[0].id, "advocate",
                                                          timedelta(minutes=5))
    moment = await server.services.moments.add(advocate, scene.world.children[TARGET_CHILD].id,
                                               {"kind": "looked_after_review", "on": _days_on(scene, -1)})
    await server.services.moments.record_views(advocate, moment["id"], {"views": "To stay at school."})
    return {"moment": moment["id"]}


# the scene ----------------------------------------------------------------------


@dataclass
class Scene:
    world: World
    conversation: str = ""
    message: str = ""
    notification: str = ""
    plan: str = ""
    values: dict[str, str] = field(default_factory=dict)  # path values for this call: the scene's, or the row's setup
    base_values: dict[str, str] = field(default_factory=dict)
    _ids: int = 0
    tokens: dict[str, str | None] = field(default_factory=dict)

    @property
    def server(self) -> Server:
        return self.world.server

    def fresh_id(self) -> str:
        self._ids += 1
        return f"perm-{self._ids}"

    async def token(self, actor: str, fresh: bool = False) -> str | None:
        if fresh or actor not in self.tokens:
            self.tokens[actor] = await ACTORS[actor](self)
        return self.tokens[actor]


async def make_scene(world: World) -> Scene:
    await make_pairable(world)
    await add_advocate(world.server, "pat.spare", "Pat Spare", world.manager)  # room for someone else
    scene = Scene(world)
    service = world.server.services.pairing
    scene.plan = (await plans.make_plan(service.store, service.clock, service.weights))["_id"]
    target = world.children[TARGET_CHILD]
    scene.conversation = world.conversation_of(target)
    chat = world.server.services.chat
    scene.message = (await chat.tell_child(target.id, "Hello from the service", "perm:hello"))["id"]
    [notification] = await world.server.services.notifier.tell([world.advocates[0].id], "child.opted_out",
                                                               child=target.id)
    scene.notification = notification["id"]
    for actor in ACTORS:
        await scene.token(actor)
    scene.base_values = await concerns.new_item(scene)  # a concern of the target child, in the oversight queue
    scene.values = dict(scene.base_values)
    return scene


async def snapshot(server: Server) -> dict[str, list[Any]]:
    """Everything in the database, to compare before and after refused requests; but the background jobs'
    leases, which their holder renews every few seconds whoever asks for what (the interpreting job's
    every ``interpreting_check_seconds``). Replies the figures have yet to count (they are counted together
    each second) are counted first: they come from the scene's own messages, not from what is compared."""
    await server.services.figures.tally.drain()
    db = server.store.db
    return {name: await db[name].find({}).sort("_id", 1).to_list(None)
            for name in sorted(await db.list_collection_names()) if name != "leases"}


def route_key(method: str, canonical: str) -> str:
    return f"{method} {canonical}"


def app_routes(server: Server) -> set[str]:
    return {route_key(r.method, r.resource.canonical) for r in server.app.router.routes() if r.method != "HEAD"}


def app_events(server: Server) -> dict[str, str]:
    """'namespace event' -> the permission action its handler declares."""
    found = {}
    for namespace, handler in server.app[sio_key].namespace_handlers.items():
        for attr in dir(handler):
            if attr.startswith("on_") and attr not in {"on_connect", "on_disconnect"}:
                found[f"{namespace} {attr[3:]}"] = getattr(getattr(handler, attr), "action", None)
    return found


def fill(path: str, scene: Scene) -> str:
    for name in [part[1:-1] for part in path.split("/") if part.startswith("{")]:
        if name not in PLACEHOLDERS:
            pytest.fail(f"no value for {{{name}}} in {path}: add one to PLACEHOLDERS in {__file__}")
        path = path.replace(f"{{{name}}}", PLACEHOLDERS[name](scene))
    return path


# tests ----------------------------------------------------------------------------


async def test_every_route_and_event_has_a_row(server):
    routes, events = app_routes(server), app_events(server)
    missing = sorted(routes - set(ROUTES))
    assert not missing, (
        f"{missing} {'is' if len(missing) == 1 else 'are'} not in the permission expectations: add a row for each "
        f"to ROUTES in {__file__}, e.g. '{missing[0]}': Row(allowed={{\"advocate\", \"manager\"}}), naming who may "
        "use it (everyone else is tried and must be refused)")
    gone = sorted(set(ROUTES) - routes)
    assert not gone, f"{gone} no longer exist: remove their rows from ROUTES in {__file__}"
    missing = sorted(set(events) - set(EVENTS))
    assert not missing, (
        f"{missing} not in the permission expectations: add a row for each to EVENTS in {__file__}, e.g. "
        f"'{missing[0]}': Event({{\"advocate\"}}, lambda s: {{...data aimed at the target child...}})")
    gone = sorted(set(EVENTS) - set(events))
    assert not gone, f"{gone} no longer exist: remove their rows from EVENTS in {__file__}"
    undeclared = sorted(e for e, action in events.items() if action is None)
    assert not undeclared, f"{undeclared}: decorate each handler with @event('action') (advocacy.edge.sockets)"
    for row in list(ROUTES.values()) + list(EVENTS.values()):
        assert set(row.allowed) <= set(ACTORS), f"unknown callers in {row}: the callers are {sorted(ACTORS)}"


async def prepare(scene: Scene, key: str) -> None:
    """Records in the state the route needs, made before anyone calls it."""
    setup = ROUTES[key].setup
    scene.values = {**scene.base_values, **(await setup(scene) if setup else {})}


async def call_route(scene: Scene, key: str, token: str | None) -> tuple[int, str, str]:
    method, path = key.split(" ", 1)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = ROUTES[key].body(scene) if callable(ROUTES[key].body) else ROUTES[key].body
    query = ROUTES[key].query
    async with scene.server.http() as http:
        async with http.request(method, fill(path, scene) + (f"?{query}" if query else ""), headers=headers,
                                json=body,
                                allow_redirects=False) as resp:
            return resp.status, resp.headers.get("Location", ""), await resp.text()


async def test_every_route_refuses_everyone_the_table_does_not_allow_and_changes_nothing(world):
    scene = await make_scene(world)
    target = world.children[TARGET_CHILD]
    for key, row in ROUTES.items():
        if row.public:
            continue
        await prepare(scene, key)
        before = await snapshot(scene.server)
        for actor in ACTORS:
            if actor in row.allowed:
                continue
            status, location, text = await call_route(scene, key, await scene.token(actor))
            refused = status in {401, 403, 404} or (status == 303 and location.endswith("/sign-in"))
            assert refused, f"{key} as {actor}: answered {status}, should be refused"
            assert target.name not in text, f"{key} as {actor}: the refusal shows the child's name"
        assert await snapshot(scene.server) == before, f"{key}: a refused request changed the database"


async def test_every_route_serves_the_callers_the_table_allows(world):
    scene = await make_scene(world)
    for key, row in ROUTES.items():
        actors = ["signed_out"] if row.public else sorted(row.allowed)
        for actor in actors:
            await prepare(scene, key)  # each caller gets records in the state the route needs
            status, _, _ = await call_route(scene, key, await scene.token(actor, fresh=True))
            if row.public:
                assert status < 500, f"{key} (public) answered {status}"
            else:
                assert 200 <= status < 300, f"{key} as {actor}: answered {status}, should be allowed"


async def open_socket(scene: Scene, namespace: str, token: str | None) -> ChatClient | None:
    client = ChatClient(scene.server, namespace)
    try:
        return await client.connect(token)
    except socketio.exceptions.ConnectionError:
        await client.close()
        return None


async def test_every_event_refuses_everyone_the_table_does_not_allow_and_changes_nothing(world):
    scene = await make_scene(world)
    for key, row in EVENTS.items():
        namespace, event = key.split(" ")
        before = await snapshot(scene.server)
        for actor in sorted(set(ACTORS) - set(row.allowed)):
            client = await open_socket(scene, namespace, await scene.token(actor))
            if client is None:
                continue  # refused at the door
            ack = await client.call(event, row.data(scene))
            assert ack["ok"] is False and ack["error"]["code"] in {
                "forbidden", "conversation_not_found", "not_found", "unauthorised", "session_expired"}, \
                f"{key} as {actor}: answered {ack}, should be refused"
            assert client.sio.connected, f"{key} as {actor}: a refusal closed the socket"
            await client.close()
        assert await snapshot(scene.server) == before, f"{key}: a refused event changed the database"
        for actor in sorted(row.allowed):
            client = await open_socket(scene, namespace, await scene.token(actor))
            assert client is not None, f"{key}: {actor} may use it but could not connect to {namespace}"
            ack = await client.call(event, row.data(scene))
            assert ack["ok"] is True, f"{key} as {actor}: refused with {ack}"
            await client.close()


async def test_a_session_that_expires_while_connected_is_refused_at_its_next_event(world):
    scene = await make_scene(world)
    lifetime = timedelta(seconds=2)
    clients = {}
    reviewer = await scene.server.store.staff.find_one({"username": "rae.reviewer"})
    for key in EVENTS:
        namespace = key.split(" ")[0]
        user, role = {"/oversight": (reviewer["_id"], "reviewer"), "/bots": ("bot_welcome", "bot")}.get(
            namespace, (world.advocates[0].id, "advocate"))
        token = await _mint(scene, user, role, lifetime)
        clients[key] = await open_socket(scene, namespace, token)
    await asyncio.sleep(lifetime.total_seconds() + 0.2)
    before = await snapshot(scene.server)
    for key, client in clients.items():
        ack = await client.call(key.split(" ")[1], EVENTS[key].data(scene))
        assert ack["ok"] is False and ack["error"]["code"] == "session_expired", f"{key}: {ack}"
    assert await snapshot(scene.server) == before


async def test_a_reviewer_on_a_concern_never_escalated_reaches_nothing_of_it(world):
    """Every route naming a concern, an item or a child, as a reviewer, aimed at a concern that never
    went to oversight (its id, and guesses at an item made from it): refused, nothing changed, no name."""
    scene = await make_scene(world)
    never = await concerns.open_concern(scene)
    target = world.children[TARGET_CHILD]
    token = await scene.token("reviewer")
    guesses = [never["concern"], f"ov_{never['concern'][3:]}", f"ov_{never['concern']}"]
    aimed = [key for key in ROUTES if any(f"{{{name}}}" in key for name in ("concern", "item", "child"))]
    assert any("{item}" in key for key in aimed) and any("{concern}" in key for key in aimed)
    for key in aimed:
        for guess in guesses:
            scene.values = {**scene.base_values, "concern": never["concern"], "item": guess}
            before = await snapshot(scene.server)
            status, location, text = await call_route(scene, key, token)
            refused = status in {403, 404} or (status == 303 and location.endswith("/sign-in"))
            assert refused, f"{key} as a reviewer, aimed at a concern never escalated ({guess}): answered {status}"
            assert target.name not in text and never["concern"] not in text.replace(guess, ""), key
            assert await snapshot(scene.server) == before, f"{key}: a refused request changed the database"
