"""Who may do what: the one permission table (pure, no I/O).

Every HTTP route and every Socket.IO event names an action here. A role that is
not listed for an action is refused (deny by default). The scope says which
records the role may act on; the service that holds the record checks it:

- ``own``: records about the user themself (a child's own conversation);
- ``paired``: children currently paired to the advocate;
- ``team``: children of the advocates the manager manages;
- ``any``: every record of that kind;
- ``covered``: children whose advocate is on leave, for the advocate covering
  them, only between the cover's dates (``advocacy.pairing.access``). An
  advocate acts under the ``cover_advocate`` row when their own row does not
  reach the child;
- ``invited``: the one conversation an interpreter was invited into, only while
  the child's agreement stands and before its end time (``advocacy.chat.interpreting``);
  they read only the messages from when they joined unless the child agreed to more.
  An interpreter has no other row: no concerns, notes, records, other children.

For actions on an advocate's own record (leave, capacity), ``team`` means the
advocates the manager manages.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CHILD = "child"
    ADVOCATE = "advocate"
    COVER_ADVOCATE = "cover_advocate"
    MANAGER = "manager"
    REVIEWER = "reviewer"
    ADMIN = "admin"
    BOT = "bot"
    INTERPRETER = "interpreter"


STAFF_ROLES = frozenset({Role.ADVOCATE, Role.MANAGER, Role.REVIEWER, Role.ADMIN, Role.INTERPRETER})

OWN, PAIRED, TEAM, ANY, COVERED, INVITED = "own", "paired", "team", "any", "covered", "invited"

PERMISSIONS: dict[str, dict[Role, str]] = {
    # pages
    "page.child": {Role.CHILD: OWN},
    "page.console": {Role.ADVOCATE: PAIRED, Role.MANAGER: TEAM, Role.ADMIN: ANY},
    # chat
    "chat.conversations": {Role.CHILD: OWN, Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED,
                           Role.INTERPRETER: INVITED},
    "chat.send": {Role.CHILD: OWN, Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED, Role.INTERPRETER: INVITED},
    "chat.history": {Role.CHILD: OWN, Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED, Role.INTERPRETER: INVITED},
    "chat.read": {Role.CHILD: OWN, Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED},
    "chat.typing": {Role.CHILD: OWN, Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED, Role.INTERPRETER: INVITED},
    # the count of unread messages on a child's Chat tab and in their tab's title
    "chat.unread": {Role.CHILD: OWN},
    # a child switches "You have a new message" on or off for their own phone
    "push.subscribe": {Role.CHILD: OWN},
    # An advocate says whether they are around (online) or away: their children's header and the away reply follow.
    "chat.availability": {Role.ADVOCATE: OWN},
    # interpreters (advocacy.chat.interpreting): the advocate invites one into a conversation for a set time,
    # the child agrees (or not) and can end it at any time, as can the advocate
    "interpreting.interpreters": {Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED},
    "interpreting.invite": {Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED},
    "interpreting.read": {Role.CHILD: OWN, Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED},
    "interpreting.answer": {Role.CHILD: OWN},
    "interpreting.end": {Role.CHILD: OWN, Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED},
    "page.interpreter": {Role.INTERPRETER: OWN},
    # live console updates and stored notifications (each user sees their own)
    "console.connect": {Role.ADVOCATE: OWN, Role.COVER_ADVOCATE: OWN, Role.MANAGER: OWN, Role.ADMIN: OWN},
    "console.notifications": {Role.ADVOCATE: OWN, Role.COVER_ADVOCATE: OWN, Role.MANAGER: OWN, Role.ADMIN: OWN},
    # a child's sign-in, looked after by the adults responsible for them
    "child.reset_pin": {Role.ADVOCATE: PAIRED, Role.MANAGER: TEAM, Role.ADMIN: ANY},
    "child.new_access_code": {Role.ADVOCATE: PAIRED, Role.MANAGER: TEAM, Role.ADMIN: ANY},
    "child.revoke_sessions": {Role.ADVOCATE: PAIRED, Role.MANAGER: TEAM, Role.ADMIN: ANY},
    # bots (/bots): told of pairings, children's messages (ids only, never text) and
    # advocates' presence; may write into a conversation as themselves and tell staff.
    # They cannot read any conversation or join /chat or /console.
    "bots.connect": {Role.BOT: ANY},
    "bots.post": {Role.BOT: ANY},
    "bots.away": {Role.BOT: ANY},
    "bots.waiting": {Role.BOT: ANY},
    "bots.notify": {Role.BOT: ANY},
    "bots.pairings": {Role.BOT: ANY},
    # pairing (advocacy.pairing): a new child has no advocate, so no team, yet
    "child.create": {Role.MANAGER: ANY, Role.ADMIN: ANY},
    "page.child_advocate": {Role.CHILD: OWN},
    "page.pairing": {Role.MANAGER: TEAM, Role.ADMIN: ANY},
    "pairing.status": {Role.CHILD: OWN, Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED, Role.MANAGER: TEAM,
                       Role.ADMIN: ANY},
    "pairing.history": {Role.CHILD: OWN, Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED, Role.MANAGER: TEAM,
                        Role.ADMIN: ANY},
    # only the child chooses whether to have an advocate, and whom not to have
    "pairing.opt_out": {Role.CHILD: OWN},
    "pairing.opt_in": {Role.CHILD: OWN},
    "pairing.someone_else": {Role.CHILD: OWN},
    "pairing.earlier_chat": {Role.CHILD: OWN},
    "pairing.offer": {Role.CHILD: OWN},
    # an opted-out child has no advocate and so no team: managers record moves for any child
    "pairing.placement_move": {Role.ADVOCATE: PAIRED, Role.MANAGER: ANY, Role.ADMIN: ANY},
    # the day a child left care starts their retention period; like a move, for a child with no advocate too
    "child.left_care": {Role.ADVOCATE: PAIRED, Role.MANAGER: ANY, Role.ADMIN: ANY},
    "pairing.leave": {Role.MANAGER: TEAM, Role.ADMIN: ANY},
    "pairing.advocate": {Role.MANAGER: TEAM, Role.ADMIN: ANY},
    "pairing.plans": {Role.MANAGER: TEAM, Role.ADMIN: ANY},
    # everything held about a child, for them (their right of access)
    "child.export": {Role.ADVOCATE: PAIRED, Role.MANAGER: TEAM, Role.ADMIN: ANY},
    # staff accounts: unlock after too many wrong sign-ins, a new authenticator after a lost phone
    "staff.unlock": {Role.ADMIN: ANY},
    "staff.reset_second_factor": {Role.ADMIN: ANY},
    # concerns (advocacy.concerns): a child's own, their advocate's (or who covers their leave), the manager's
    "page.child_worries": {Role.CHILD: OWN},
    "page.console_concerns": {Role.ADVOCATE: PAIRED, Role.MANAGER: TEAM},
    "concern.categories": {Role.CHILD: OWN, Role.ADVOCATE: PAIRED, Role.MANAGER: TEAM, Role.REVIEWER: ANY},
    "concern.create": {Role.CHILD: OWN, Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED, Role.MANAGER: TEAM},
    "concern.read": {Role.CHILD: OWN, Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED, Role.MANAGER: TEAM},
    "concern.act": {Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED, Role.MANAGER: TEAM},
    "concern.status": {Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED, Role.MANAGER: TEAM},
    "concern.resolve": {Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED, Role.MANAGER: TEAM},
    "concern.close": {Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED, Role.MANAGER: TEAM},
    "concern.escalate": {Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED, Role.MANAGER: TEAM},
    # safeguarding (advocacy.safeguarding): a person decides on what triage flagged
    "safeguarding.decide": {Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED, Role.MANAGER: TEAM},
    "safeguarding.disclose": {Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED, Role.MANAGER: TEAM},
    "safeguarding.disclosures": {Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED, Role.MANAGER: TEAM},
    # complaints about the service itself (advocacy.complaints): made by the child or recorded for them by
    # staff; read and answered only by whoever handles it (the advocate's manager, or an admin when it is
    # about that manager), never by the person complained about (advocacy.complaints.rules.may_handle)
    "page.child_complaints": {Role.CHILD: OWN},
    "page.console_complaints": {Role.MANAGER: TEAM, Role.ADMIN: ANY},
    "complaint.create": {Role.CHILD: OWN, Role.ADVOCATE: PAIRED, Role.MANAGER: TEAM, Role.ADMIN: ANY},
    "complaint.read": {Role.CHILD: OWN, Role.MANAGER: TEAM, Role.ADMIN: ANY},
    "complaint.answer": {Role.MANAGER: TEAM, Role.ADMIN: ANY},
    "complaint.escalate": {Role.CHILD: OWN},
    # putting records right (advocacy.corrections): the child asks; the advocate's manager (an admin when
    # there is none) accepts, making a new version that keeps the old one, or refuses with a reason
    "page.child_put_right": {Role.CHILD: OWN},
    "page.console_corrections": {Role.MANAGER: TEAM, Role.ADMIN: ANY},
    "correction.create": {Role.CHILD: OWN},
    "correction.read": {Role.CHILD: OWN, Role.MANAGER: TEAM, Role.ADMIN: ANY},
    "correction.decide": {Role.MANAGER: TEAM, Role.ADMIN: ANY},
    # the child's feedback (advocacy.feedback): only the child reads or gives their own answers; staff see
    # them only counted in the figures, small numbers suppressed
    "page.child_feedback": {Role.CHILD: OWN},
    "feedback.read": {Role.CHILD: OWN},
    "feedback.give": {Role.CHILD: OWN},
    # non-instructed advocacy (advocacy.non_instructed): for a child who cannot instruct an advocate, the
    # decision and its reviews, the visits, the list of such children; never the child themself
    "non_instructed.decide": {Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED, Role.MANAGER: TEAM},
    "non_instructed.visit": {Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED, Role.MANAGER: TEAM},
    "non_instructed.read": {Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED, Role.MANAGER: TEAM},
    # key moments in a child's care (advocacy.moments): meetings and events, the child's views, the outcome; an
    # opted-out child has no advocate and so no team, so managers and admins record a moment for any child (as
    # placement moves), which re-offers advocacy once; reading and recording views stay with the child's own team
    "moment.create": {Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED, Role.MANAGER: ANY, Role.ADMIN: ANY},
    "moment.read": {Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED, Role.MANAGER: TEAM},
    "moment.record": {Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED, Role.MANAGER: TEAM},
    # the oversight queue (advocacy.oversight): reviewers see every escalated item, pseudonymously
    "oversight.connect": {Role.REVIEWER: ANY},
    "oversight.queue": {Role.REVIEWER: ANY},
    "oversight.read": {Role.REVIEWER: ANY},
    "oversight.claim": {Role.REVIEWER: ANY},
    "oversight.note": {Role.REVIEWER: ANY},
    "oversight.request_update": {Role.REVIEWER: ANY},
    "oversight.record_update": {Role.REVIEWER: ANY},
    "oversight.representation": {Role.REVIEWER: ANY},
    "oversight.close": {Role.REVIEWER: ANY},
    # the reviewers' pages, and a child's name shown to a reviewer who gives a reason (issue 5)
    "page.oversight": {Role.REVIEWER: ANY},
    "oversight.reveal": {Role.REVIEWER: ANY},
    # equality monitoring (advocacy.equality): the child answers (or not) on their own page; their advocate may
    # record answers only with the child's agreement; used only in aggregate, small numbers hidden
    "page.child_about_you": {Role.CHILD: OWN},
    "equality.answer": {Role.CHILD: OWN, Role.ADVOCATE: PAIRED},
    # the transparency figures: counts per area with small numbers suppressed, never a child's record
    "page.figures": {Role.REVIEWER: ANY, Role.MANAGER: ANY, Role.ADMIN: ANY},
    # a manager's view of their own team: caseloads, children waiting, deadlines, cover
    "page.team": {Role.MANAGER: TEAM},
    # staff records (advocacy.team.staff): a manager adds and changes their own team's advocates, an admin anyone
    "page.staff": {Role.MANAGER: TEAM, Role.ADMIN: ANY},
    "staff.manage": {Role.MANAGER: TEAM, Role.ADMIN: ANY},
    # the console (issue 20 item 9): the team's canned replies (``team``: the caller's own team; who may change
    # one is the author or the team's manager, advocacy.replies.service), search across the caller's own
    # conversations and their children's concerns, cover by hand, and the filters on the list of children
    "page.console_replies": {Role.ADVOCATE: TEAM, Role.MANAGER: TEAM},
    "replies.read": {Role.ADVOCATE: TEAM, Role.MANAGER: TEAM},
    "replies.manage": {Role.ADVOCATE: TEAM, Role.MANAGER: TEAM},
    "search": {Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED},
    "child.cover": {Role.ADVOCATE: PAIRED, Role.MANAGER: TEAM},
    "console.children": {Role.ADVOCATE: PAIRED, Role.COVER_ADVOCATE: COVERED},
}


def scope_for(role: str | Role, action: str) -> str | None:
    """The scope ``role`` has for ``action``, or None when the role may not do it at all."""
    if action not in PERMISSIONS:
        raise KeyError(f"unknown action {action!r}: add it to the permission table")
    try:
        return PERMISSIONS[action].get(Role(role))
    except ValueError:
        return None


def may(role: str | Role, action: str) -> bool:
    return scope_for(role, action) is not None
