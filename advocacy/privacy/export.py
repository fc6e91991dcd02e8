"""A child's data export: everything the service holds about them, as JSON and as a readable page.

The law gives a child the right to ask for what is held about them. Staff make
the export (`GET /api/children/{id}/export[.html]`) or an operator runs
`advocacy export-child ID`; both go through ``ChildExport.export``, so both hold
exactly the same, and either way it is written to the audit trail.

A capability that keeps more about a child adds a section to ``SECTIONS``: an
async function (store, child id) -> (title, list of plain records), shown
under that title, and its audited actions' words to ``ACTIONS``. Every
collection is listed in ``HELD`` (where its records about a child appear) or
``NOTHING_ABOUT_A_CHILD`` (why it holds none), and a test fails on a
collection in neither, so a new kind of record cannot be left out unseen.
The readable page names each field in plain words from ``LABELS``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import jinja2

from advocacy import audit
from advocacy.auth.principal import Principal
from advocacy.chat import interpreting as interpreting_export
from advocacy.chat.service import ChatService
from advocacy.clock import Clock
from advocacy.complaints import export as complaint_export
from advocacy.complaints.rules import may_handle
from advocacy.concerns import export as concern_export
from advocacy.corrections import export as correction_export
from advocacy.date_words import iso, moment_words
from advocacy.equality import export as equality_export
from advocacy.feedback import export as feedback_export
from advocacy.languages import Languages, install_gettext
from advocacy.moments import export as moment_export
from advocacy.non_instructed import export as non_instructed_export
from advocacy.oversight import export as oversight_export
from advocacy.pairing import export as pairing_export
from advocacy.people import child_details, child_names, open_needs, staff_by_ids
from advocacy.push import export as push_export
from advocacy.resources import RESOURCES
from advocacy.safeguarding import export as safeguarding_export
from advocacy.spoken_languages import name_of
from advocacy.store import ASCENDING, Store
from advocacy.words import MARKED, english

Section = Callable[[Store, str], Awaitable[tuple[str, list[dict[str, Any]]]]]
# What other capabilities hold about a child, each under its title.
SECTIONS: tuple[Section, ...] = (
    concern_export.worries, concern_export.disclosures, safeguarding_export.flags, oversight_export.items,
    pairing_export.choices, pairing_export.placement_moves, pairing_export.covers, pairing_export.earlier_chat,
    pairing_export.plans, concern_export.counted, complaint_export.complaints, correction_export.corrections,
    feedback_export.feedback, push_export.devices, equality_export.answers,
    non_instructed_export.decisions, non_instructed_export.visits, moment_export.moments, interpreting_export.export,
)
# No member of staff reads a child's feedback answers (advocacy.feedback): a copy they make says only
# whether the child answered; the operator's copy (`advocacy export-child`) holds the answers.
SHOWS_FEEDBACK_ANSWERS = feedback_export.feedback
# Sections that can leave out complaints about the service the person making the copy may not see.
LEAVE_OUT_COMPLAINTS = (complaint_export.complaints, oversight_export.items)

# Where each collection's records about a child appear in the export.
HELD = {
    "children": "about_you (every field; secrets only as whether they are set)",
    "keys": "about_you.locked_with_your_own_key",
    "pseudonyms": "about_you.the_code_the_childrens_commissioners_team_know_you_by",
    "pairings": "advocates",
    "conversations": "conversations",
    "messages": "conversations[].messages",
    "audit": "who_looked_or_changed_things",
    "notifications": "staff_told",
    "sessions": "sign_ins",
    "concerns": "more: your worries (concerns.export.worries)",
    "disclosures": "more: disclosures (concerns.export.disclosures)",
    "concern_events": "more: what we counted (concerns.export.counted)",
    "flags": "more: safeguarding checks (safeguarding.export.flags)",
    "oversight": "more: the Commissioner's team (oversight.export.items)",
    "opt_events": "more: yes or no to an advocate (pairing.export.choices)",
    "placement_moves": "more: moves (pairing.export.placement_moves)",
    "covers": "more: cover (pairing.export.covers)",
    "leaves": "more: cover (the days an advocate was away, pairing.export.covers)",
    "earlier_chat": "more: earlier chat (pairing.export.earlier_chat)",
    "pairing_plans": "more: plans (pairing.export.plans)",
    "complaints": "more: complaints about the service (complaints.export.complaints)",
    "corrections": "more: things you asked us to put right, with what they said before (corrections.export)",
    "feedback": "more: what you told us about how things went (feedback.export.feedback)",
    "push_subscriptions": "more: notifications on your phones (push.export.devices; never a phone's address)",
    "equality": "more: equality answers (equality.export.answers)",
    "advocacy_decisions": "more: how your advocate speaks up for you (non_instructed.export.decisions)",
    "visits": "more: visits from your advocate (non_instructed.export.visits)",
    "moments": "more: meetings and changes about your care (moments.export.moments)",
    "interpreting": "more: interpreters in your chat (chat.interpreting.export)",
}
# Collections that hold nothing about any one child, and why.
NOTHING_ABOUT_A_CHILD = {
    "local_authorities": "the councils (the child's is named in about_you)",
    "staff": "staff accounts (names appear where staff did something)",
    "bots": "bot accounts",
    "bot_marks": "a bot's own retry keys",
    "leases": "which server runs a background job",
    "migrations": "one-off changes to stored records that finished",
    "sign_in_attempts": "wrong staff sign-ins, by a hash of the username",
    "figures_months": "counts per area and month, never per child",
    "figures_stock": "counts per area and month, never per child",
    "figures_published": "published counts, small numbers suppressed",
    "figures_current": "which published set is the latest",
    "oversight_counts": "how many queue items are open, by group",
    "canned_replies": "a team's saved replies, written by staff for any child, about no one",
    "feedback_counted": "feedback answers counted for the figures: area, month and answers, no child, worry or day",
}

# Fields of a child's record kept only so they can sign in: shown as whether they are set, never the value.
SECRETS = {"access_code_lookup": "access_code_set", "pin_sealed": "pin_chosen",
           "setup_check": "setup_word_not_used_yet"}
# Fields shown under their own names in about_you (or read through child_names).
_ABOUT_FIELDS = {"_id", "name_sealed", "la", "birth_date", "birth_date_sealed", "birth_year", "ref_sealed",
                 "ref_lookup", "needs_sealed", "languages", "advocate", "opted_out", "created_at",
                 "left_care_at", "left_care_source", "waiting_since", "language", "prefers", "ref", "avoid",
                 "someone_else", "offer", "pin_failures",
                 "pin_locked_until", "opted_out_at", "opted_in_at", "offer_due_at", *SECRETS}

# What staff were told about a child, in a child's words.
TOLD = {
    "child.paired": english("you got a new advocate"),
    "child.opted_out": english("you said you didn't want an advocate"),
    "child.moved_away": english("you moved to a different advocate"),
    "child.asked_for_someone_else": english("you asked for a different advocate"),
    "child.cover_started": english("they were going to help you while your advocate was away"),
    "child.cover_ended": english("your advocate was back"),
    "child.waiting": english("you were waiting for an answer"),
    "child.waiting_long": english("you had been waiting a long time for an answer"),
    "concern.raised": english("you told us about a worry"),
    "concern.due_soon": english("an answer to your worry was due soon"),
    "concern.escalated": english("your worry needed more help"),
    "safeguarding.flagged": english("something you wrote needed checking, to keep you safe"),
    "oversight.update_requested": english("the Children's Commissioner's team asked for news about your worry"),
    "oversight.closed": english("the Children's Commissioner's team finished checking on your worry"),
    "complaint.made": english("you made a complaint about the advocacy service"),
    "correction.asked": english("you asked us to put something right"),
    "child.visit_overdue": english("it was time for your advocate to visit you"),
}

# Fields of the sections that hold a moment (ISO 8601), shown on the page as a date and time.
MOMENTS = {"when", "raised", "answer_due", "arrived", "finished", "written_down", "asked", "answered",
           "your_message_sent", "decide_by", "decided", "we_asked_again_if_you_wanted_an_advocate", "since",
           "last_visit_at", "visit_due_at", "reminded_for", "until"}
# Fields of the sections whose values are the service's own words (never a person's), read in the child's language.
SERVICE_WORDS = {"about", "who", "who_looks_at_it", "where_it_is", "what_we_decided", "what",
                 "did_you_feel_listened_to", "did_things_change", "question", "your_answer", "where", "your_rights",
                 "it_matched_what_you_wanted"}
# Every field name in the export, as the readable page says it.
LABELS = {
    "when": english("When"),
    "what": english("What happened"),
    "who": english("Who"),
    "why": english("Why"),
    "note": english("Note"),
    "your_words": english("What you said"),
    "what_you_want": english("What you want to happen"),
    "about": english("What it's about"),
    "where_it_is": english("Where it is now"),
    "how_urgent": english("How urgent"),
    "raised": english("When you told us"),
    "answer_due": english("Answer due by"),
    "what_happened": english("What happened"),
    "who_was_asked": english("Who was asked"),
    "you_were_happy": english("Were you happy with how it ended?"),
    "told": english("Who we told"),
    "you_were_told_first": english("Were you told first?"),
    "why_not": english("Why you weren't told first"),
    "your_message_sent": english("When you sent the message"),
    "it_looked_like": english("What it looked like"),
    "checked_as_a_worry": english("Did someone look into it?"),
    "arrived": english("When it reached them"),
    "the_code_they_know_you_by": english("The code they know you by (not your name)"),
    "why_it_went_to_them": english("Why it went to them"),
    "reason_given": english("The reason given"),
    "decision": english("What they decided"),
    "finished": english("When they finished"),
    "what_they_did": english("What they did"),
    "words": english("What they wrote"),
    "your_reason": english("The reason you gave"),
    "moved_on": english("The day you moved"),
    "written_down": english("When we wrote it down"),
    "advocate_away": english("Your advocate who was away"),
    "from": english("From"),
    "to": english("To"),
    "helped_you_meanwhile": english("Who helped you meanwhile"),
    "advocate": english("Advocate"),
    "asked": english("When we asked you"),
    "answered": english("When you answered"),
    "your_answer": english("Your answer"),
    "from_advocate": english("Your advocate before"),
    "to_advocate": english("Your advocate after"),
    "counted_in_month": english("Counted in the month"),
    "who_looks_at_it": english("Who looks at it"),
    "the_answer": english("The answer"),
    "what_we_decided": english("What we decided"),
    "what_it_should_say": english("What you said it should say"),
    "what_is_wrong": english("What you said was wrong"),
    "decide_by": english("Decision due by"),
    "decided": english("When we decided"),
    "what_it_said_before": english("What it said before we put it right"),
    "did_you_feel_listened_to": english("Did you feel listened to?"),
    "did_things_change": english("Did things change?"),
    "question": english("The question"),
    "look_again_by": english("To be looked at again by"),
    "where": english("Where"),
    "who_else_was_there": english("Who else was there"),
    "how_you_seemed": english("How you seemed"),
    "what_your_advocate_saw": english("What your advocate saw"),
    "your_rights": english("Your rights it is about"),
    "on_the_day": english("On the day"),
    "your_views": english("What you wanted said"),
    "your_views_were_put": english("Was what you wanted said told to the meeting?"),
    "what_was_decided": english("What was decided"),
    "it_matched_what_you_wanted": english("Did it match what you wanted?"),
    "we_asked_again_if_you_wanted_an_advocate": english("When we asked again if you wanted an advocate"),
    "non_instructed": english("Your advocate speaks up for you by watching and listening"),
    "since": english("Since"),
    "review_by": english("To be looked at again by"),
    "last_visit_at": english("Last visit"),
    "visit_due_at": english("Next visit due"),
    "reminded_for": english("Your advocate was reminded to visit"),
    "interpreter": english("Interpreter"),
    "until": english("Until"),
    "could_read_earlier": english("Could they read what you wrote before?"),
}

# What each audited action means, in words a child understands.
ACTIONS = {
    "chat.history": english("read your messages"),
    "chat.conversations": english("looked at their list of young people"),
    "team.read": english("looked at their team's page, which showed your name"),
    "pairing.history": english("looked at who your advocates have been"),
    "safeguarding.flags": english("looked at messages of yours flagged for safety"),
    "child.reset_pin": english("cleared your PIN so you could choose a new one"),
    "child.new_access_code": english("gave you a new code to sign in"),
    "child.revoke_sessions": english("signed you out on every phone"),
    "child.export": english("made a copy of everything we hold about you"),
    "pairing.change": english("changed who your advocate is"),
    "sign_in.child": english("signed in"),
    "retention.erase": english("deleted old records"),
    "child.created": english("added you to the advocacy service"),
    "child.language": english("changed the language of your pages"),
    "pairing.earlier_chat": english("wrote down your answer about earlier messages"),
    "oversight.reveal": english("(the Children's Commissioner's team) looked up your name, and wrote down why"),
    "complaint.made": english("wrote down a complaint about the advocacy service"),
    "complaint.read": english("read your complaint about the advocacy service"),
    "complaint.listed": english("looked at their list of complaints about the advocacy service"),
    "complaint.acknowledged": english("told you they had your complaint"),
    "complaint.answered": english("answered your complaint"),
    "complaint.escalated": english("took your complaint to the Children's Commissioner's office"),
    "search.run": english("searched their messages and worries, and saw some of yours"),
    "child.cover": english("asked another advocate to answer your messages for a while"),
    "child.cover_end": english("ended the time another advocate was answering your messages"),
    "correction.asked": english("asked us to put something right"),
    "correction.read": english("read your request to put something right"),
    "correction.listed": english("looked at their list of requests to put something right"),
    "correction.accepted": english("put right what you asked, and kept what it said before"),
    "correction.refused": english("decided not to change what you asked, and told you why"),
    "feedback.answered": english("told us how things went"),
    "feedback.declined": english("said no thanks to telling us how things went"),
    "child.left_care": english("wrote down the day you left care"),
    "equality.answered": english("wrote down your answers to our equality questions"),
    "equality.deleted": english("deleted your answers to our equality questions"),
    "interpreting.asked": english("asked you whether an interpreter could join your chat"),
    "interpreting.agreed": english("said yes to an interpreter joining your chat"),
    "interpreting.declined": english("said no to an interpreter joining your chat"),
    "interpreting.ended": english("ended an interpreter's time in your chat"),
    "chat.interpreted": english("wrote in your chat as an interpreter"),
    **concern_export.ACTIONS,
    **non_instructed_export.ACTIONS,
    **moment_export.ACTIONS,
}

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(RESOURCES.templates)),
    autoescape=jinja2.select_autoescape(default=True),
)
_TEMPLATES.filters["when"] = moment_words
install_gettext(_TEMPLATES)
_TEMPLATES.filters["label"] = lambda key: LABELS.get(key, key.replace("_", " ").capitalize())


async def gather(store: Store, chat: ChatService, clock: Clock, child_id: str,
                 leave_out_complaints: frozenset[str] = frozenset(), *,
                 feedback_answers: bool = True) -> dict[str, Any] | None:
    """Everything held about a child, in plain structures; None if there is no such child.

    ``leave_out_complaints``: complaints about the service the person making the copy may not see (one about
    them, above all), left out with every trace of them (their audit entries, notifications, oversight item).
    ``feedback_answers`` False: the child's feedback shows whether they answered, not what (a staff copy)."""
    child = await store.children.find_one({"_id": child_id})
    if child is None:
        return None
    names = await child_names(store, [child_id])
    details = (await child_details(store, [child]))[child_id]
    [needs] = await open_needs(store, [child])
    pairings = await store.pairings.find({"child": child_id}).sort("started_at", ASCENDING).to_list(None)
    conversations = await chat.everything_of_child(child_id)
    hidden = {"ids.complaint": {"$nin": sorted(leave_out_complaints)}} if leave_out_complaints else {}
    access = await store.audit.find({"$or": [{"subject": child_id}, {"subjects": child_id}], **hidden}).sort(
        "_id", ASCENDING).to_list(None)
    notifications = await store.notifications.find({"child": child_id, **hidden}).sort(
        "created_at", ASCENDING).to_list(None)
    sessions = await store.sessions.find({"user": child_id}).sort("created_at", ASCENDING).to_list(None)
    staff = await staff_by_ids(store, [p["advocate"] for p in pairings] + [c["advocate"] for c in conversations]
                               + [e["actor"] for e in access] + [n["to"] for n in notifications]
                               + [child.get("advocate") or ""])
    staff_name = {i: d.get("name", "") for i, d in staff.items()}
    la = await store.local_authorities.find_one({"_id": child.get("la")}) or {}
    pseudonym = await store.pseudonyms.find_one({"_id": child_id}) or {}
    avoided = await staff_by_ids(store, child.get("avoid") or [])

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
            "your_councils_reference": details["ref"],
            "born": details["birth_date"],
            "languages": [name_of(code) for code in needs.get("languages", [])],
            "page_language": child.get("language"),
            "advocate_you_would_like": (needs.get("prefers") or {}).get("gender"),
            "advocate": staff_name.get(child.get("advocate") or "", None),
            "advocates_we_wont_pair_you_with": sorted(d.get("name", "") for d in avoided.values()),
            "opted_out": bool(child.get("opted_out")),
            "opted_out_at": iso(child.get("opted_out_at")),
            "opted_in_at": iso(child.get("opted_in_at")),
            "offer_now": iso((child.get("offer") or {}).get("at")),
            "next_offer_due": iso(child.get("offer_due_at")),
            **{shown: child.get(field) is not None for field, shown in SECRETS.items()},
            "wrong_pins_in_a_row": child.get("pin_failures", 0),
            "added_at": iso(child.get("created_at")),
            "left_care_at": iso(child.get("left_care_at")),
            # who said when: la_import, staff, command, or birth_date (worked out: nobody said)
            "who_said_when_you_left_care": child.get("left_care_source"),
            "waiting_for_an_advocate_since": iso(child.get("waiting_since")),
            "the_code_the_childrens_commissioners_team_know_you_by": pseudonym.get("ref"),
            "locked_with_your_own_key": await store.keys.count_documents({"_id": child_id}) == 1,
            "other_things_on_your_record": {k: _plain(v) for k, v in child.items() if k not in _ABOUT_FIELDS},
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
            {"when": iso(n["created_at"]), "who": staff_name.get(n["to"], ""), "about": TOLD.get(n["kind"], n["kind"])}
            for n in notifications
        ],
        "sign_ins": [{"at": iso(s["created_at"]), "until": iso(s["expires_at"])} for s in sessions],
        "more": {},
    }
    for section in SECTIONS:
        if section is SHOWS_FEEDBACK_ANSWERS:
            title, records = await section(store, child_id, answers_shown=feedback_answers)
        elif section in LEAVE_OUT_COMPLAINTS and leave_out_complaints:
            title, records = await section(store, child_id, leave_out=leave_out_complaints)
        else:
            title, records = await section(store, child_id)
        data["more"][title] = records
    return data


def _plain(value: Any) -> Any:
    """A stored value as JSON can carry it (moments as ISO 8601; sealed bytes are never shown)."""
    if isinstance(value, bytes):
        return "(kept locked)"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


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
        hidden = frozenset()
        if by is not None:  # staff see only complaints they handle; an operator's copy holds everything
            hidden = frozenset({c["_id"] async for c in self.store.complaints.find({"child": child_id})
                                if not may_handle(c, by.user_id, by.role)})
        data = await gather(self.store, self.chat, self.clock, child_id, hidden, feedback_answers=by is None)
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
        data=data, moments=MOMENTS, service_words=SERVICE_WORDS, marked=MARKED,
        translations=languages.translations(code), lang="en-GB" if code == "en" else code,
        dir=languages.get(code).direction)
