"""Every collection is either in a child's data export or said to hold nothing about any one child."""

from advocacy.privacy.export import HELD, NOTHING_ABOUT_A_CHILD
from advocacy.store import INDEXES


def test_every_collection_is_in_the_export_or_holds_nothing_about_a_child():
    assert not set(HELD) & set(NOTHING_ABOUT_A_CHILD)
    assert set(HELD) | set(NOTHING_ABOUT_A_CHILD) == set(INDEXES), (
        "a collection is new: add its records to the export (advocacy/privacy/export.py HELD and a section) "
        "or say in NOTHING_ABOUT_A_CHILD why it holds nothing about a child")


def test_every_action_written_to_the_audit_trail_about_a_child_has_words_in_the_export():
    import re

    from advocacy.privacy.export import ACTIONS
    from advocacy.settings import PROJECT_ROOT

    # Staff-only and local-authority actions never have a child as their subject.
    staff_only = {"second_factor.enrol", "staff.reset_second_factor", "staff.unlock", "la.added", "la.retired",
                  "staff.created", "staff.changed", "staff.leave_booked",
                  "plan.made", "plan.approved", "plan.applied",  # a pairing plan: no child as subject
                  "reply.created", "reply.changed", "reply.removed",  # a team's saved replies: about no child
                  "figures.moments"}  # counts of key moments per area, never a child
    found = set()
    for path in (PROJECT_ROOT / "advocacy").rglob("*.py"):
        found |= set(re.findall(r'action="([a-z_]+\.[a-z_.]+)"', path.read_text()))
    assert found, "no audited actions found: the pattern no longer matches the code"
    assert not found - staff_only - set(ACTIONS)
