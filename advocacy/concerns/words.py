"""What a child reads about their own worries: plain words, London dates (pure, no I/O).

``child_view`` turns a stored concern into what the "My worries" page shows:
the topic, the child's own words, where it is now and what happens next by
when ("Your advocate asked your social worker about this. They should answer
by Tuesday 3 March."), and a short list of what has happened so far. It never
includes anything staff wrote: notes, outcomes and reasons stay with staff.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from advocacy import date_words, workdays
from advocacy.concerns.categories import Category
from advocacy.words import N_, Words

# Who an advocate raised a worry with, as a child would say it.
WHO = {
    "social_worker": "your social worker",
    "team_manager": "your social worker's manager",
    "reviewing_officer": "the person who runs your review meetings",
    "placement": "the people who look after you where you live",
    "complaint": "the council",
    "other": "someone who can sort it out",
}
# The same, at the start of a sentence saying they answered.
WHO_ANSWERED = {
    "social_worker": "Your social worker",
    "team_manager": "Your social worker's manager",
    "reviewing_officer": "The person who runs your review meetings",
    "placement": "The people who look after you where you live",
    "complaint": "The council",
    "other": "The person your advocate asked",
}

STATUS_WORDS = {
    "open": "Your advocate has it",
    "raised": "Your advocate is sorting it out",
    "awaiting_response": "Waiting for an answer",
    "escalated": "More people are helping",
    "resolved": "Sorted",
    "closed": "Finished",
}

COMMISSIONER = "the Children's Commissioner's team"


def day_words(instant: datetime, now: datetime) -> str:
    """"Tuesday 3 March" (London date), with the year when it is not this year."""
    return date_words.day_words(instant, year=workdays.local_date(instant).year != workdays.local_date(now).year)


def by_words(deadline: datetime, now: datetime) -> str:
    """When something should happen, for a child: "by Tuesday 3 March", "by 3:45pm today".

    Deadlines counted in working days fall at the end of a working day, so the day
    is enough; a deadline in clock hours (urgent worries) says the time too.
    """
    local = workdays.as_utc(deadline, "deadline").astimezone(workdays.LONDON)
    day, today = local.date(), workdays.local_date(now)
    hour = local.hour % 12 or 12
    clock = f"{hour}{'am' if local.hour < 12 else 'pm'}" if local.minute == 0 else (
        f"{hour}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"
    )
    if local.hour == 17 and local.minute == 0:
        if day == today:
            return "by the end of today"
        return f"by {day_words(deadline, now)}"
    if day == today:
        return f"by {clock} today"
    if (day - today).days == 1:
        return f"by {clock} tomorrow"
    return f"by {clock} on {day_words(deadline, now)}"


def asked(entry: Mapping[str, Any]) -> str:
    """ "asked your social worker about this", or "made a formal complaint to the council about this"."""
    key = entry.get("with", "other")
    if key == "complaint":
        return "made a formal complaint to the council about this"
    return f"asked {WHO.get(key, WHO['other'])} about this"


def _last(timeline: list[Mapping[str, Any]], kinds: set[str]) -> Mapping[str, Any] | None:
    for entry in reversed(timeline):
        if entry.get("kind") in kinds:
            return entry
    return None


def next_words(concern: Mapping[str, Any], now: datetime) -> str:
    """One or two sentences: where the worry is now and what happens next by when."""
    status = concern["status"]
    deadlines = concern["deadlines"]
    ladder = concern.get("ladder", {})
    timeline = concern.get("timeline", [])
    if status == "closed":
        return "This worry is finished. If something is still wrong, you can tell us about it again."
    if status == "resolved":
        return ("Your advocate says this has been sorted. If you're not happy with how it turned out, "
                "tell your advocate and they can look at it again.")
    if "oversight" in ladder and not concern.get("oversight_closed"):
        return (f"It wasn't sorted out in time, so {COMMISSIONER} is checking on it. "
                "Their job is to make sure children's worries get sorted out.")
    latest = _last(timeline, {"raised_with", "response"})
    mentioned = None  # a deadline the first sentence already gave, so the second can say "by then"
    if latest is not None and latest["kind"] == "raised_with":
        answer_by = latest.get("answer_by")
        if answer_by and answer_by > now:
            sentence = f"Your advocate {asked(latest)}. They should answer {by_words(answer_by, now)}."
            mentioned = answer_by
        else:
            sentence = f"Your advocate {asked(latest)}. They should answer soon. Your advocate will keep asking."
    elif latest is not None:
        who = WHO_ANSWERED.get(latest.get("with", "other"), WHO_ANSWERED["other"])
        verb = "have" if latest.get("with") == "placement" else "has"
        sentence = f"{who} {verb} answered. Your advocate will talk to you about what happens next."
    elif concern.get("responded_at") is None:
        sentence = f"Your advocate has your worry. They will get back to you {by_words(deadlines['respond_by'], now)}."
    else:
        sentence = "Your advocate is working on it."
    if "manager" in ladder:
        sentence += " It hasn't been sorted yet, so your advocate's manager is helping too."
        if deadlines["oversight_by"] > now:
            when = "by then" if mentioned == deadlines["oversight_by"] else by_words(deadlines["oversight_by"], now)
            sentence += f" If it still isn't sorted {when}, it will go to {COMMISSIONER}."
    elif deadlines["manager_by"] > now and status != "escalated":
        when = "by then" if mentioned == deadlines["manager_by"] else by_words(deadlines["manager_by"], now)
        sentence += f" If it isn't sorted {when}, your advocate's manager will help too."
    return sentence


def history_words(concern: Mapping[str, Any], now: datetime) -> list[dict[str, str]]:
    """What has happened so far, oldest first: [{"on": "Tuesday 3 March", "what": "..."}]."""
    lines = [{"at": concern["raised_at"], "what": (
        "You told us about this." if concern.get("source") == "child" else "Your advocate wrote this down for you."
    )}]
    for entry in concern.get("timeline", []):
        kind = entry.get("kind")
        if kind == "raised_with":
            what = f"Your advocate {asked(entry)}."
        elif kind == "response":
            what = f"{WHO_ANSWERED.get(entry.get('with', 'other'), WHO_ANSWERED['other'])} answered."
        elif kind == "escalated" and entry.get("level") == "manager":
            what = "Your advocate's manager started helping."
        elif kind == "escalated" and entry.get("level") == "oversight":
            what = f"It went to {COMMISSIONER}."
        elif kind == "oversight_closed":
            what = f"{COMMISSIONER[0].upper()}{COMMISSIONER[1:]} finished checking on it."
        elif kind == "resolved":
            what = "Your advocate said it was sorted."
        elif kind == "reopened":
            what = "Your advocate started looking at it again."
        elif kind == "closed":
            what = "It was finished."
        else:
            continue
        lines.append({"at": entry["at"], "what": what})
    return [{"on": day_words(line["at"], now), "what": line["what"]} for line in lines]


def child_view(concern: Mapping[str, Any], category: Category | None, child_words: str, child_wants: str,
               now: datetime) -> dict[str, Any]:
    """The concern as its child sees it (no staff notes, no deadlines in machine form)."""
    return {
        "id": concern["_id"],
        "topic": category.child_label if category else "Something else",
        "your_words": child_words,
        "you_want": child_wants,
        "status": concern["status"],
        "status_words": STATUS_WORDS.get(concern["status"], ""),
        "raised_on": day_words(concern["raised_at"], now),
        "next": next_words(concern, now),
        "history": history_words(concern, now),
    }


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
