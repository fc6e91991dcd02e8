"""A case as a reviewer reads it: one timeline from first raising to now, and how late each step was.

``timeline`` (pure) merges the concern's own timeline, its deadlines and the
oversight item's log into rows oldest first, each saying when, who (a role, or
"Advocate A": reviewers never see advocates' or children's names unless they
reveal the child's with a reason), what happened, and, where a deadline
applied, whether the step was on time or how late it was. ``pairing_history``
(pure) lists the child's advocates as letters in the order they came.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from advocacy.concerns.sla import describe_due
from advocacy.date_words import moment_words

WITH = {
    "social_worker": "the social worker",
    "team_manager": "the social worker's team manager",
    "reviewing_officer": "the independent reviewing officer",
    "placement": "the placement (carers or home)",
    "complaint": "the local authority's complaints process",
    "other": "someone else",
}
DECISIONS = {"resolved_locally": "resolved locally", "upheld": "upheld", "not_upheld": "not upheld",
             "referred": "referred"}
STATUS = {"open": "open", "raised": "raised with someone", "awaiting_response": "awaiting a response",
          "escalated": "escalated", "resolved": "resolved", "closed": "closed", "draft": "a draft",
          "dismissed": "dismissed"}
FROM = {"advocate": "the advocate", "la": "the local authority"}
TO = {"la": "the local authority", "other": "another body"}
WHY = {
    "entered_care": "came into care", "waited": "waited until an advocate had room",
    "opted_out": "the child opted out", "opted_in": "the child opted back in",
    "asked_for_someone_else": "the child asked for a different advocate", "advocate_leaving": "the advocate left",
    "capacity_change": "the advocate had too many children", "plan": "a reviewed pairing plan", "demo": "set up",
}
OPT = {"opted_out": "The child opted out of having an advocate", "opted_in": "The child opted back in",
       "offered": "The child was offered an advocate again", "offer_declined": "The child said no to the offer"}


def lateness(deadline: datetime | None, done_at: datetime | None, now: datetime) -> tuple[str, bool] | None:
    """(words, late?) for a step due by ``deadline`` done at ``done_at`` (None: not done yet)."""
    if deadline is None:
        return None
    if done_at is None:
        if deadline >= now:
            return f"not yet; {describe_due(deadline, now)}", False
        return f"not done; {describe_due(deadline, now)}", True
    if done_at <= deadline:
        return "on time", False
    words = describe_due(deadline, done_at)
    gap = words.removeprefix("overdue by ")
    return ("on time", False) if words == "due now" else (f"{gap} late", True)


def parse_at(at: str | None) -> datetime | None:
    return datetime.fromisoformat(at) if at else None


def advocate_letters(ids: list[str]) -> dict[str, str]:
    """"Advocate A", "Advocate B" ... for advocate ids in the order they first appear."""
    letters: dict[str, str] = {}
    for advocate in ids:
        if advocate and advocate not in letters:
            n = len(letters)
            letters[advocate] = "Advocate " + (chr(ord("A") + n) if n < 26 else str(n + 1))
    return letters


def _who(by: Mapping[str, Any] | None, letters: Mapping[str, str], reviewers: Mapping[str, str]) -> str:
    if not by or by.get("role") in (None, "service"):
        return "The service"
    if by.get("id") in letters:
        return letters[by["id"]]
    if by.get("role") == "reviewer":
        return reviewers.get(by.get("id"), "A reviewer")
    return {"advocate": "An advocate", "manager": "The advocate's manager", "child": "The child",
            "admin": "An admin"}.get(by.get("role"), by.get("role", ""))


def _concern_words(entry: Mapping[str, Any]) -> str:
    kind = entry["kind"]
    if kind == "raised_with":
        stage = f" (formal complaint, stage {entry['stage']})" if entry.get("stage") else ""
        return f"Raised it with {WITH.get(entry.get('with'), entry.get('with'))}{stage}"
    if kind == "response":
        return f"Answer from {WITH.get(entry.get('with'), entry.get('with'))}"
    if kind == "status":
        return f"Moved from {STATUS.get(entry.get('from'), entry.get('from'))} to " \
               f"{STATUS.get(entry.get('to'), entry.get('to'))}"
    if kind == "escalated":
        where = "the advocate's manager" if entry.get("level") == "manager" else "the oversight queue"
        return f"Escalated to {where}" + (" by hand" if entry.get("by", {}).get("role") not in (None, "service")
                                          else "")
    if kind == "resolved":
        happy = entry.get("child_happy")
        return "Resolved" + {True: "; the child is happy with it",
                             False: "; the child is not happy with it"}.get(happy, "")
    if kind == "oversight_closed":
        return f"Oversight closed: {DECISIONS.get(entry.get('decision'), entry.get('decision'))}"
    return {"note": "Note", "spoke_to_child": "Spoke to the child", "reminder": "Reminder: the child is waiting",
            "reopened": "Reopened (the child was not happy)", "closed": "Closed",
            "confirmed": "Safeguarding flag confirmed", "dismissed": "Safeguarding flag dismissed",
            "disclosure": "Information shared outside the service"}.get(kind, kind.replace("_", " ").capitalize())


def _item_words(entry: Mapping[str, Any]) -> str:
    kind = entry["kind"]
    if kind == "update_requested":
        return f"Asked {FROM.get(entry.get('from'), entry.get('from'))} for an update"
    if kind == "update_received":
        return f"Update received from {FROM.get(entry.get('from'), entry.get('from'))}"
    if kind == "representation":
        return f"Representation made to {TO.get(entry.get('to'), entry.get('to'))}"
    if kind == "closed":
        return f"Closed with the decision: {DECISIONS.get(entry.get('decision'), entry.get('decision'))}"
    return {"claimed": "Claimed the item", "released": "Released the item", "note": "Reviewer's note",
            "revealed": "Revealed the child's name and details"}.get(kind, kind.replace("_", " ").capitalize())


def timeline(case: Mapping[str, Any], now: datetime, letters: Mapping[str, str], reviewers: Mapping[str, str],
             say_late: Callable[[datetime | None, datetime | None, datetime], tuple[str, bool] | None] = lateness,
             ) -> list[dict[str, Any]]:
    """Every step of a case, oldest first: {at, who, what, text, late, is_late, source}."""
    concern = case["concern_detail"]
    if concern.get("kind") == "service_complaint":
        rows = _complaint_rows(concern, now, say_late)
    else:
        rows = _concern_rows(concern, now, letters, reviewers, say_late)
    asked: dict[str, datetime] = {}
    for entry in case.get("log", []):
        at = parse_at(entry["at"])
        row = {"at": at, "who": _who(entry.get("by"), letters, reviewers), "what": _item_words(entry),
               "text": entry.get("text"), "late": None, "source": "item"}
        if entry["kind"] == "update_requested":
            asked[entry.get("request")] = at
        if entry["kind"] == "update_received" and entry.get("request") in asked:
            row["what"] += f" after {describe_due(asked[entry['request']], at).removeprefix('overdue by ')}"
        rows.append(row)
    rows.append({"at": parse_at(case["created_at"]), "who": "The service", "source": "item",
                 "text": case.get("reason_text"),
                 "what": "Put in the oversight queue" + (
                     ": the child's complaint about the advocacy service" if case.get("kind") == "service_complaint"
                     else " by hand" if case.get("source") == "hand" else " (its deadline passed)"), "late": None})
    rows = [r for r in rows if r["at"] is not None]
    rows.sort(key=lambda r: (r["at"], r["source"] == "deadline"))
    for row in rows:
        row["when"] = moment_words(row["at"])
        row["future"] = row["at"] > now
        late = row.pop("late")
        row["late"], row["is_late"] = late if late else (None, False)
    return rows


def _concern_rows(concern: Mapping[str, Any], now: datetime, letters: Mapping[str, str],
                  reviewers: Mapping[str, str], say_late: Callable[..., Any]) -> list[dict[str, Any]]:
    deadlines = {k: parse_at(v) for k, v in concern["deadlines"].items()}
    raised_at = parse_at(concern["raised_at"])
    resolved_at = parse_at(concern.get("resolved_at"))
    observed = concern["source"] == "observation"
    rows: list[dict[str, Any]] = [{"at": raised_at, "who": "The child" if concern["source"] == "child" else
                                   _who(concern.get("raised_by"), letters, reviewers),
                                   "what": "Concern raised from observation, without the child's instruction"
                                   if observed else "Concern raised", "text": None, "late": None,
                                   "source": "concern"}]
    answers = [e for e in concern["timeline"] if e["kind"] == "response"]
    for entry in concern["timeline"]:
        at = parse_at(entry["at"])
        row = {"at": at, "who": _who(entry.get("by"), letters, reviewers), "what": _concern_words(entry),
               "text": entry.get("note") or entry.get("reason"), "late": None, "source": "concern"}
        if entry["kind"] == "raised_with" and entry.get("answer_by"):
            due = parse_at(entry["answer_by"])
            answer = next((parse_at(a["at"]) for a in answers if a.get("with") == entry.get("with")
                           and parse_at(a["at"]) >= at), None)
            row["late"] = say_late(due, answer, now)
            row["what"] += f"; answer due by {moment_words(due)}"
        if entry["kind"] == "resolved":
            row["late"] = say_late(deadlines.get("oversight_by"), at, now)
        rows.append(row)
    # the deadlines themselves, each with how it was met
    responded = parse_at(concern.get("responded_at"))
    rows.append({"at": deadlines["respond_by"], "who": "Deadline", "what": "Respond to the child",
                 "text": None, "late": say_late(deadlines["respond_by"], responded, now), "source": "deadline"})
    for key, words in (("manager_by", "Sorted before the advocate's manager is told"),
                       ("oversight_by", "Sorted before it goes to the oversight queue")):
        rows.append({"at": deadlines[key], "who": "Deadline", "what": words, "text": None,
                     "late": say_late(deadlines[key], resolved_at, now), "source": "deadline"})
    return rows


COMPLAINT_STEPS = {"made": "Complaint about the service made", "acknowledged": "Complaint acknowledged",
                   "answered": "Complaint answered", "escalated": "The child asked the Commissioner's office to look",
                   "commissioner_decided": "The Commissioner's office decided"}


def _complaint_rows(complaint: Mapping[str, Any], now: datetime,
                    say_late: Callable[..., Any]) -> list[dict[str, Any]]:
    """A complaint about the service: its steps (by role only) and its two deadlines, each with how it was met."""
    rows: list[dict[str, Any]] = [
        {"at": parse_at(e["at"]), "who": "The child" if e["by"]["role"] == "child" else f"A {e['by']['role']}",
         "what": COMPLAINT_STEPS.get(e["kind"], e["kind"]), "text": None, "late": None, "source": "concern"}
        for e in complaint["timeline"]]
    deadlines = {k: parse_at(v) for k, v in complaint["deadlines"].items()}
    for key, done, words in (("acknowledge_by", "acknowledged_at", "Acknowledge the complaint"),
                             ("answer_by", "answered_at", "Answer the complaint")):
        rows.append({"at": deadlines[key], "who": "Deadline", "what": words, "text": None,
                     "late": say_late(deadlines[key], parse_at(complaint.get(done)), now), "source": "deadline"})
    return rows


def pairing_history(pairings: list[Mapping[str, Any]], events: list[Mapping[str, Any]],
                    letters: Mapping[str, str]) -> list[dict[str, Any]]:
    """The child's advocates (as letters) and opting out or in, oldest first."""
    rows = []
    for p in pairings:
        rows.append({"at": p["started_at"], "when": moment_words(p["started_at"]),
                     "what": f"{letters.get(p['advocate'], 'An advocate')} became the child's advocate",
                     "why": WHY.get(p.get("why"), (p.get("why") or "").replace("_", " ")),
                     "until": moment_words(p.get("ended_at")) if p.get("ended_at") else "now",
                     "end_why": WHY.get(p.get("end_why"), (p.get("end_why") or "").replace("_", " "))})
    for e in events:
        if e.get("kind") in OPT:
            rows.append({"at": e["at"], "when": moment_words(e["at"]), "what": OPT[e["kind"]], "why": "", "until": "",
                         "end_why": ""})
    rows.sort(key=lambda r: r["at"])
    return rows
