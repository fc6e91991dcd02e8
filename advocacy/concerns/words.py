"""What a child reads about their own worries: plain words, London dates (pure, no I/O).

``child_view`` turns a stored concern into what the "My worries" page shows:
the topic, the child's own words, where it is now and what happens next by
when ("Your advocate asked your social worker about this. They should answer
by Tuesday 3 March."), and a short list of what has happened so far. It never
includes anything staff wrote: notes, outcomes and reasons stay with staff.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from advocacy import workdays
from advocacy.concerns.categories import Category
from advocacy.words import N_, Moment, Words, english

# Who an advocate raised a worry with, as a child would say it (marked for the catalogues: a child
# reads them in their language, on their worries page and in their data export).
WHO = {
    "social_worker": english("your social worker"),
    "team_manager": english("your social worker's manager"),
    "reviewing_officer": english("the person who runs your review meetings"),
    "placement": english("the people who look after you where you live"),
    "complaint": english("the council"),
    "other": english("someone who can sort it out"),
}
# The same, at the start of a sentence saying they answered.
WHO_ANSWERED = {
    "social_worker": english("Your social worker"),
    "team_manager": english("Your social worker's manager"),
    "reviewing_officer": english("The person who runs your review meetings"),
    "placement": english("The people who look after you where you live"),
    "complaint": english("The council"),
    "other": english("The person your advocate asked"),
}

STATUS_WORDS = {
    "open": english("Your advocate has it"),
    "raised": english("Your advocate is sorting it out"),
    "awaiting_response": english("Waiting for an answer"),
    "escalated": english("More people are helping"),
    "resolved": english("Sorted"),
    "closed": english("Finished"),
}

def day_words(instant: datetime, now: datetime) -> Words:
    """"Tuesday 3 March" (London date, in the reader's language), with the year when it is not this year."""
    day = workdays.local_date(instant)
    return N_("{day}", day=Moment(day, "EEEE d MMMM y" if day.year != workdays.local_date(now).year
                                  else "EEEE d MMMM"))


def by_words(deadline: datetime, now: datetime) -> Words:
    """When something should happen, for a child: "by Tuesday 3 March", "by 3:45pm today".

    Deadlines counted in working days fall at the end of a working day, so the day
    is enough; a deadline in clock hours (urgent worries) says the time too.
    """
    local = workdays.as_utc(deadline, "deadline").astimezone(workdays.LONDON)
    day, today = local.date(), workdays.local_date(now)
    clock = Moment(local.time().replace(tzinfo=None), "short", english="ha" if local.minute == 0 else "h:mma")
    if local.hour == 17 and local.minute == 0:
        if day == today:
            return N_("by the end of today")
        return N_("by {day}", day=day_words(deadline, now))
    if day == today:
        return N_("by {time} today", time=clock)
    if (day - today).days == 1:
        return N_("by {time} tomorrow", time=clock)
    return N_("by {time} on {day}", time=clock, day=day_words(deadline, now))


def asked(entry: Mapping[str, Any]) -> Words:
    """ "Your advocate asked your social worker about this." (or made a formal complaint to the council)."""
    key = entry.get("with", "other")
    if key == "complaint":
        return N_("Your advocate made a formal complaint to the council about this.")
    return N_("Your advocate asked {who} about this.", who=N_(WHO.get(key, WHO["other"])))


def _answered_by(entry: Mapping[str, Any]) -> Words:
    return N_(WHO_ANSWERED.get(entry.get("with", "other"), WHO_ANSWERED["other"]))


def _last(timeline: list[Mapping[str, Any]], kinds: set[str]) -> Mapping[str, Any] | None:
    for entry in reversed(timeline):
        if entry.get("kind") in kinds:
            return entry
    return None


def next_words(concern: Mapping[str, Any], now: datetime) -> Words:
    """One or two sentences: where the worry is now and what happens next by when."""
    status = concern["status"]
    deadlines = concern["deadlines"]
    ladder = concern.get("ladder", {})
    timeline = concern.get("timeline", [])
    if status == "closed":
        return N_("This worry is finished. If something is still wrong, you can tell us about it again.")
    if status == "resolved":
        return N_("Your advocate says this has been sorted. If you're not happy with how it turned out, "
                  "tell your advocate and they can look at it again.")
    if "oversight" in ladder and not concern.get("oversight_closed"):
        return N_("It wasn't sorted out in time, so the Children's Commissioner's team is checking on it. "
                  "Their job is to make sure children's worries get sorted out.")
    latest = _last(timeline, {"raised_with", "response"})
    mentioned = None  # a deadline the first sentence already gave, so the second can say "by then"
    if latest is not None and latest["kind"] == "raised_with":
        answer_by = latest.get("answer_by")
        if answer_by and answer_by > now:
            sentence = asked(latest) + N_("They should answer {when}.", when=by_words(answer_by, now))
            mentioned = answer_by
        else:
            sentence = asked(latest) + N_("They should answer soon. Your advocate will keep asking.")
    elif latest is not None:
        answered = (N_("{who} have answered.", who=_answered_by(latest)) if latest.get("with") == "placement"
                    else N_("{who} has answered.", who=_answered_by(latest)))
        sentence = answered + N_("Your advocate will talk to you about what happens next.")
    elif concern.get("responded_at") is None:
        sentence = N_("Your advocate has your worry. They will get back to you {when}.",
                      when=by_words(deadlines["respond_by"], now))
    else:
        sentence = N_("Your advocate is working on it.")
    if "manager" in ladder:
        sentence += N_("It hasn't been sorted yet, so your advocate's manager is helping too.")
        if deadlines["oversight_by"] > now:
            when = N_("by then") if mentioned == deadlines["oversight_by"] else by_words(deadlines["oversight_by"], now)
            sentence += N_("If it still isn't sorted {when}, it will go to the Children's Commissioner's team.",
                           when=when)
    elif deadlines["manager_by"] > now and status != "escalated":
        when = N_("by then") if mentioned == deadlines["manager_by"] else by_words(deadlines["manager_by"], now)
        sentence += N_("If it isn't sorted {when}, your advocate's manager will help too.", when=when)
    return sentence


def history_words(concern: Mapping[str, Any], now: datetime) -> list[dict[str, Words]]:
    """What has happened so far, oldest first: [{"on": "Tuesday 3 March", "what": "..."}] as ``Words``."""
    lines = [{"at": concern["raised_at"], "what": (
        N_("You told us about this.") if concern.get("source") == "child"
        else N_("Your advocate wrote this down for you.")
    )}]
    for entry in concern.get("timeline", []):
        kind = entry.get("kind")
        if kind == "raised_with":
            what = asked(entry)
        elif kind == "response":
            what = N_("{who} answered.", who=_answered_by(entry))
        elif kind == "escalated" and entry.get("level") == "manager":
            what = N_("Your advocate's manager started helping.")
        elif kind == "escalated" and entry.get("level") == "oversight":
            what = N_("It went to the Children's Commissioner's team.")
        elif kind == "oversight_closed":
            what = N_("The Children's Commissioner's team finished checking on it.")
        elif kind == "resolved":
            what = N_("Your advocate said it was sorted.")
        elif kind == "reopened":
            what = N_("Your advocate started looking at it again.")
        elif kind == "closed":
            what = N_("It was finished.")
        else:
            continue
        lines.append({"at": entry["at"], "what": what})
    return [{"on": day_words(line["at"], now), "what": line["what"]} for line in lines]


def child_view(concern: Mapping[str, Any], category: Category | None, child_words: str, child_wants: str,
               now: datetime) -> dict[str, Any]:
    """The concern as its child sees it (no staff notes, no deadlines in machine form); the service's
    sentences are ``Words``, for ``written`` to put into the child's language."""
    return {
        "id": concern["_id"],
        "topic": N_(category.child_label) if category else N_("Something else"),
        "your_words": child_words,
        "you_want": child_wants,
        "status": concern["status"],
        "status_words": N_(STATUS_WORDS[concern["status"]]) if concern["status"] in STATUS_WORDS else "",
        "raised_on": day_words(concern["raised_at"], now),
        "next": next_words(concern, now),
        "history": history_words(concern, now),
    }


def written(view: Mapping[str, Any], write: Callable[[Words | str], str]) -> dict[str, Any]:
    """``child_view``'s sentences written by ``write`` (into the child's language)."""
    out = {key: write(value) if isinstance(value, Words) else value for key, value in view.items()}
    out["history"] = [{"on": write(line["on"]), "what": write(line["what"])} for line in view["history"]]
    return out


def escalation_notice(level: str, topic: str, by_hand: bool, at_once: bool = False) -> Words:
    """What the child is told in their chat when their worry climbs the ladder (in their language).

    ``at_once``: the manager is told the moment an urgent worry is raised, not because it is late.
    """
    about = N_('About your worry "{topic}":', topic=N_(topic) if topic else "")
    if level == "manager":
        if at_once:
            return about + N_("Because it's urgent, your advocate's manager knows about it too and is helping.")
        if by_hand:
            return about + N_("Your advocate has asked their manager to help with it too.")
        return about + N_("It hasn't been sorted out yet, so your advocate's manager is now helping with it too.")
    if by_hand:
        return about + N_("It has been passed to the Children's Commissioner's team. Their job is to make sure "
                          "children's worries get sorted out. Your advocate is still helping you too.")
    return about + N_("It hasn't been sorted out in time, so it has been passed to the Children's Commissioner's "
                      "team. Their job is to make sure children's worries get sorted out. Your advocate is still "
                      "helping you too.")


def oversight_closed_notice(topic: str) -> Words:
    return N_('About your worry "{topic}":', topic=N_(topic) if topic else "") + N_(
        "The Children's Commissioner's team has finished checking on it. "
        "Your advocate will talk to you about what happens next.")


SAFEGUARDING_HELP = N_(
    "Thank you for telling us. Your advocate isn't online right now, but they will see your message. "
    "If you are in danger right now, call 999. You can talk to Childline any time, day or night, "
    "by calling 0800 1111. It's free."
)
