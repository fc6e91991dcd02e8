"""What the chat holds in memory of whose each conversation is (advocacy.chat.held)."""

from __future__ import annotations

from advocacy.chat.held import HeldConversations
from advocacy.clock import ManualClock


def conversation(n: int = 1, active: bool = True) -> dict:
    return {"_id": f"cv_{n}", "child": f"ch_{n}", "advocate": "st_ada", "active": active, "waiting_since": None}


def test_a_conversation_is_held_with_only_what_access_turns_on():
    held = HeldConversations(10, ManualClock().monotonic)
    held.keep(conversation(), held.generation)
    assert held.get("cv_1") == {"_id": "cv_1", "child": "ch_1", "advocate": "st_ada", "active": True}
    assert held.get("cv_2") is None


def test_an_inactive_conversation_is_never_held():
    held = HeldConversations(10, ManualClock().monotonic)
    held.keep(conversation(active=False), held.generation)
    held.keep(None, held.generation)
    assert held.get("cv_1") is None and len(held) == 0


def test_a_read_finding_a_conversation_inactive_forgets_what_was_held_of_it():
    held = HeldConversations(10, ManualClock().monotonic)
    held.keep(conversation(), held.generation)
    held.keep(conversation(active=False), held.generation - 1)  # even a read older than the news
    assert held.get("cv_1") is None and len(held) == 0


def test_a_new_read_renews_what_is_held():
    clock = ManualClock()
    held = HeldConversations(10, clock.monotonic)
    held.keep(conversation(), held.generation)
    clock.advance(6)
    held.keep(conversation(), held.generation)
    clock.advance(6)
    assert held.get("cv_1") is not None


def test_what_is_held_runs_out_after_its_seconds():
    clock = ManualClock()
    held = HeldConversations(10, clock.monotonic)
    held.keep(conversation(), held.generation)
    clock.advance(9.9)
    assert held.get("cv_1") is not None
    clock.advance(0.1)
    assert held.get("cv_1") is None and len(held) == 0


async def test_news_of_a_change_forgets_everything_held():
    held = HeldConversations(10, ManualClock().monotonic)
    held.keep(conversation(1), held.generation)
    held.keep(conversation(2), held.generation)
    await held.forget(["ch_1"])
    assert held.get("cv_1") is None and held.get("cv_2") is None


async def test_a_lookup_read_before_news_of_a_change_is_not_kept():
    """Read while the change was being made, it may say the old advocate's chat is still active."""
    held = HeldConversations(10, ManualClock().monotonic)
    generation = held.generation  # the lookup starts
    await held.forget(["ch_1"])  # the change is announced while it is on its way
    held.keep(conversation(), generation)
    assert held.get("cv_1") is None
    held.keep(conversation(), held.generation)  # a lookup after the news is kept
    assert held.get("cv_1") is not None


def test_the_oldest_go_first_when_full_and_nothing_is_held_with_zero_seconds():
    held = HeldConversations(10, ManualClock().monotonic, size=2)
    for n in (1, 2, 3):
        held.keep(conversation(n), held.generation)
    assert [held.get(f"cv_{n}") is not None for n in (1, 2, 3)] == [False, True, True]
    none = HeldConversations(0, ManualClock().monotonic)
    none.keep(conversation(), none.generation)
    assert none.get("cv_1") is None
