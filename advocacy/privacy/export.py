"""A child's data export: everything the service holds about them, as JSON and as a readable page.

The law gives a child the right to ask for what is held about them. Staff make
the export (`GET /api/children/{id}/export[.html]`) or an operator runs
`advocacy export-child ID`; both go through ``ChildExport.export``, so both hold
exactly the same, and either way it is written to the audit trail.

A capability that keeps more about a child adds a section to ``SECTIONS``: an
async function (store, child id) -> (title, list of plain records), shown
under that title, and its audited actions' words to ``ACTIONS``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import jinja2

from advocacy import audit
from advocacy.auth.principal import Principal
from advocacy.chat.service import ChatService
from advocacy.clock import Clock
from advocacy.concerns import export as concern_export
from advocacy.date_words import iso, moment_words
from advocacy.languages import Languages, install_gettext
from advocacy.people import child_names, staff_by_ids
from advocacy.settings import PROJECT_ROOT
from advocacy.store import ASCENDING, Store
from advocacy.words import english

Section = Callable[[Store, str], Awaitable[tuple[str, list[dict[str, Any]]]]]
# What other capabilities hold about a child, each under its title.
SECTIONS: tuple[Section, ...] = (concern_export.worries, concern_export.disclosures)

# What each audited action means, in words a child understands.
ACTIONS = {
    "chat.history": english("read your messages"),
    "chat.conversations": english("looked at their list of young people"),
    "child.reset_pin": english("cleared your PIN so you could choose a new one"),
    "child.new_access_code": english("gave you a new code to sign in"),
    "child.revoke_sessions": english("signed you out on every phone"),
    "child.export": english("made a copy of everything we hold about you"),
    "pairing.change": english("changed who your advocate is"),
    "sign_in.child": english("signed in"),
    "retention.erase": english("deleted old records"),
    **concern_export.ACTIONS,
}

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(PROJECT_ROOT / "web" / "templates")),
    autoescape=jinja2.select_autoescape(default=True),
)
_TEMPLATES.filters["when"] = moment_words
install_gettext(_TEMPLATES)


async def gather(store: Store, chat: ChatService, clock: Clock, child_id: str) -> dict[str, Any] | None:
    """Everything held about a child, in plain structures; None if there is no such child."""
    child = await store.children.find_one({"_id": child_id})
    if child is None:
        return None
    names = await child_names(store, [child_id])
    pairings = await store.pairings.find({"child": child_id}).sort("started_at", ASCENDING).to_list(None)
    conversations = await chat.everything_of_child(child_id)
    access = await store.audit.find({"subject": child_id}).sort("_id", ASCENDING).to_list(None)
    notifications = await store.notifications.find({"child": child_id}).sort("created_at", ASCENDING).to_list(None)
    sessions = await store.sessions.find({"user": child_id}).sort("created_at", ASCENDING).to_list(None)
    staff = await staff_by_ids(store, [p["advocate"] for p in pairings] + [c["advocate"] for c in conversations]
                               + [e["actor"] for e in access] + [n["to"] for n in notifications]
                               + [child.get("advocate") or ""])
    staff_name = {i: d.get("name", "") for i, d in staff.items()}
    la = await store.local_authorities.find_one({"_id": child.get("la")}) or {}

    def who(actor: str) -> str:
        if actor == child_id:
            return english("You")
        if actor in {"service", "unknown"}:
            return english("The advocacy service")
        return staff_name.get(actor, english("A member of staff"))

    data: dict[str, Any] = {
        "exported_at": iso(clock.now()),
        "about_you": {
            "id": child_id,
            "name": names.get(child_id, ""),
            "local_authority": la.get("name", child.get("la")),
            "born": child.get("born"),
            "languages": child.get("languages", []),
            "page_language": child.get("language"),
            "advocate": staff_name.get(child.get("advocate") or "", None),
            "opted_out": bool(child.get("opted_out")),
            "pin_chosen": child.get("pin_hash") is not None,
            "added_at": iso(child.get("created_at")),
            "left_care_at": iso(child.get("left_care_at")),
        },
        "advocates": [
            {"advocate": staff_name.get(p["advocate"], ""), "from": iso(p["started_at"]), "to": iso(p.get("ended_at")),
             "why": p.get("why")}
            for p in pairings
        ],
        "conversations": [
            {"advocate": staff_name.get(c["advocate"], ""), "open": c["active"],
             "messages": [{"from": m["sender"]["name"], "role": m["sender"]["role"], "sent_at": m["sent_at"],
                           "text": m["text"]} for m in c["messages"]]}
            for c in conversations
        ],
        "who_looked_or_changed_things": [
            {"when": iso(e["at"]), "who": who(e["actor"]), "role": e["role"],
             "what": ACTIONS.get(e["action"], e["action"]), "outcome": e["ids"].get("outcome")}
            for e in access
        ],
        "staff_told": [
            {"when": iso(n["created_at"]), "who": staff_name.get(n["to"], ""), "about": n["kind"]}
            for n in notifications
        ],
        "sign_ins": [{"at": iso(s["created_at"]), "until": iso(s["expires_at"])} for s in sessions],
        "more": {},
    }
    for section in SECTIONS:
        title, records = await section(store, child_id)
        data["more"][title] = records
    return data


class ChildExport:
    """Everything held about a child, made for staff (the API) or an operator (the command) alike."""

    def __init__(self, store: Store, clock: Clock, chat: ChatService, languages: Languages | None = None) -> None:
        self.languages = languages or Languages.shared()
        self.store = store
        self.clock = clock
        self.chat = chat

    async def export(self, child_id: str, *, by: Principal | None, form: str) -> dict[str, Any] | None:
        """The export (None if there is no such child), recorded in the audit trail as made by
        ``by`` (None: an operator at the command line) in ``form`` ("json", "html", "command")."""
        data = await gather(self.store, self.chat, self.clock, child_id)
        if data is None:
            return None
        who = audit.by(by) if by is not None else {"actor": "operator", "role": "admin"}
        await audit.record(self.store, self.clock, **who, action="child.export", subject=child_id, form=form)
        return data

    def render_html(self, data: dict[str, Any]) -> str:
        return render_html(data, self.languages)


def render_html(data: dict[str, Any], languages: Languages | None = None) -> str:
    """The export as one self-contained page a young person can read (no scripts, no styles to load),
    in the language of their pages."""
    languages = languages or Languages.shared()
    code = languages.pick(data.get("about_you", {}).get("page_language"))
    return _TEMPLATES.get_template("export/child.html").render(
        data=data, translations=languages.translations(code), lang="en-GB" if code == "en" else code,
        dir=languages.get(code).direction)
