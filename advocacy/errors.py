"""Error codes the service answers with, and the words people read.

One catalogue for HTTP answers and Socket.IO acks alike, documented in
docs/protocol.md. A handler raises ``ServiceError("text_too_long")`` (optionally
with a more specific message) and the edge turns it into
``{"ok": false, "error": {"code", "message"}}``.
"""

from __future__ import annotations

from typing import Any

# code: (HTTP status, default message)
CATALOGUE: dict[str, tuple[int, str]] = {
    "bad_request": (400, "That request didn't make sense to us. Nothing was changed."),
    "text_missing": (400, "Please type a message first. Nothing was sent."),
    "text_empty": (400, "Please type a message first. Nothing was sent."),
    "text_too_long": (400, "That message is too long ({limit:,} characters at most). Nothing was sent."),
    "client_id_missing": (400, "Something went wrong on your phone. Please reload the page. Nothing was sent."),
    "conversation_not_found": (404, "We couldn't find that conversation. Nothing was sent."),
    "message_not_found": (404, "We couldn't find that message."),
    "rate_limited": (429,
                     "You're sending messages very fast. Please wait a few seconds and try again. Nothing was sent."),
    "unavailable": (503, "Not sent. We're having trouble right now; please try again in a minute."),
    "unauthorised": (401, "Please sign in."),
    "session_expired": (401, "You've been signed out. Please sign in again."),
    "forbidden": (403, "You can't do that."),
    "sign_in_failed": (401, "That didn't work. Check and try again."),
    "last_try": (401, "That didn't work. You have one more try. If that one is wrong too, your code will be "
                      "locked and your advocate will need to unlock it."),
    "code_locked": (429, "Too many tries. Ask your advocate to unlock your code."),
    "pin_invalid": (400, "Your PIN needs to be {min} to {max} numbers."),
    "pins_differ": (400, "The two PINs are not the same. Type the same PIN in both boxes."),
    "too_many_tries": (429, "Too many tries from here. Wait {minutes} minutes, then try again."),
    "sign_in_throttled": (429, "Too many tries. Wait {seconds} seconds, then try again."),
    "otp_wrong": (400, "That code didn't work. Check the time on your phone is right, then type the newest code."),
    "enrolment_expired": (401, "That set-up has expired or was finished already. Please sign in again."),
    "not_found": (404, "We couldn't find that."),
    "bad_origin": (403, "That request came from another website, so we ignored it."),
    "internal_error": (500, "Something went wrong on our side. Nothing was changed."),
    # interpreters in a chat (advocacy.chat.interpreting)
    "interpreter_already": (409, "An interpreter is already asked for or in this chat. End that first. "
                                 "Nothing was changed."),
    "interpreter_over": (409, "That has ended already (or its time is over). Nothing was changed."),
    # pairing (advocacy.pairing)
    "child_invalid": (400, "Some of the child's details are missing or wrong. Nothing was changed."),
    "reason_too_long": (400, "That's a bit long ({limit:,} characters at most). Nothing was changed."),
    "no_advocate": (409, "You don't have an advocate right now, so there's no one to change. Nothing was changed."),
    "no_other_advocate": (409, "There's no other advocate free right now, so your advocate is the same for now. "
                               "We've told the team so they can help."),
    "dates_invalid": (400, "Those dates don't work. Nothing was changed."),
    "plan_busy": (409, "A pairing plan is being made already. Please try again in a minute."),
    "plan_empty": (409, "This plan has nothing to change. Nothing was changed."),
    "plan_not_open": (409, "This plan has been applied already (or is being applied). Nothing was changed."),
    "plan_stale": (409, "Pairings have changed since this plan was made, so it no longer fits. Make a new plan. "
                        "Nothing was changed."),
    "plan_needs_approval": (409, "This plan moves more than {limit} children, so another manager must approve it "
                                 "before it is applied. Nothing was changed."),
    "plan_same_person": (409, "This plan moves more than {limit} children, so someone other than the person who "
                              "made it must approve it. Nothing was changed."),
    # concerns, escalation, safeguarding and the oversight queue
    "child_not_found": (404, "We couldn't find that child. Nothing was changed."),
    "concern_not_found": (404, "We couldn't find that worry. Nothing was changed."),
    "category_unknown": (400, "Please choose what the worry is about from the list. Nothing was saved."),
    "severity_unknown": (400, "Choose how urgent it is: urgent, high or standard. Nothing was saved."),
    "words_empty": (400, "Please write something first. Nothing was saved."),
    "words_too_long": (400, "That is too long ({limit:,} characters at most). Nothing was saved."),
    "reason_required": (400, "Please say why. Nothing was changed."),
    "status_unknown": (400, "That is not a status we know. Nothing was changed."),
    "move_not_allowed": (409, "That change isn't allowed from where it is now. Nothing was changed."),
    "already_in_status": (409, "It is already there. Nothing was changed."),
    "decision_required": (400,
                          "Choose a decision: resolved locally, upheld, not upheld or referred. Nothing was changed."),
    "decision_unknown": (400,
                         "That is not a decision we know: resolved locally, upheld, not upheld or referred. "
                         "Nothing was changed."),
    "already_escalated": (409, "It has already gone that far. Nothing was changed."),
    "complaint_not_found": (404, "We couldn't find that complaint. Nothing was changed."),
    "correction_not_found": (404, "We couldn't find that request to put something right. Nothing was changed."),
    "feedback_not_found": (404, "We couldn't find that question. Nothing was changed."),
    "item_not_found": (404, "We couldn't find that item in the oversight queue. Nothing was changed."),
    "item_claimed": (409, "Another reviewer is working on this item. Nothing was changed."),
    "claim_first": (409, "Claim this item before working on it. Nothing was changed."),
    # Web Push (advocacy.push)
    "push_subscription_invalid": (400, "Notifications could not be switched on for this browser: what it gave us "
                                       "was not a notification address we can use. Nothing was changed."),
    "no_update_requested": (409, "No update has been asked for on this item. Nothing was changed."),
    # the console: canned replies and cover by hand
    "reply_invalid": (400, "That reply can't be saved. Nothing was saved."),
    "reply_not_found": (404, "We couldn't find that reply. Nothing was changed."),
    "cover_invalid": (400, "That hand-over doesn't work. Nothing was changed."),
    "already_covered": (409, "Someone is covering this child already. Nothing was changed."),
    # non-instructed advocacy and key moments in a child's care
    "right_unknown": (400, "That is not a right we know (config/rights.toml). Nothing was saved."),
    "child_instructed": (409, "This child instructs their advocate: write down what they say, not what you "
                              "observed. Nothing was saved."),
    "already_instructed": (409, "This child's advocacy is instructed already. Nothing was changed."),
    "moment_not_found": (404, "We couldn't find that meeting or event. Nothing was changed."),
    "moment_not_yet": (409, "That meeting or event has not happened yet, so there is no outcome to record. "
                            "Nothing was changed."),
}


class ServiceError(Exception):
    """A refusal with a stable code and a message the reader can act on."""

    def __init__(self, code: str, message: str | None = None, **params: Any) -> None:
        if code not in CATALOGUE:
            raise ValueError(f"unknown error code {code!r}")
        status, default = CATALOGUE[code]
        self.code = code
        self.status = status
        self.message = message if message is not None else default.format(**params)
        super().__init__(code)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": False, "error": {"code": self.code, "message": self.message}}


def error_body(code: str, message: str | None = None, **params: Any) -> dict[str, Any]:
    return ServiceError(code, message, **params).as_dict()
