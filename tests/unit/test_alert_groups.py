"""Alerts grouped by child and kind, with counts, urgent first, then the newest (advocacy.notifications.grouping)."""

from __future__ import annotations

from advocacy.notifications.grouping import group_alerts


def note(i: int, kind: str, child: str | None, at: str, urgent: bool = False, **ids: str) -> dict:
    return {"id": f"no-{i}", "kind": kind, "child": child, "urgent": urgent, "created_at": at, "ids": ids}


def test_notifications_of_one_child_and_kind_make_one_group_with_their_count_and_ids():
    notes = [note(1, "concern.raised", "ch-a", "2026-03-02T10:00:00+00:00", concern="cn-2"),
             note(2, "concern.raised", "ch-a", "2026-03-01T10:00:00+00:00", concern="cn-1"),
             note(3, "concern.raised", "ch-b", "2026-03-01T09:00:00+00:00")]
    groups = group_alerts(notes, {"ch-a": "Amira"})
    assert [(g["child"], g["count"], g["ids"], g["child_name"]) for g in groups] == [
        ("ch-a", 2, ["no-1", "no-2"], "Amira"), ("ch-b", 1, ["no-3"], None)]
    assert groups[0]["latest"] == "2026-03-02T10:00:00+00:00" and groups[0]["latest_ids"] == {"concern": "cn-2"}


def test_urgent_groups_come_first_then_the_newest():
    notes = [note(1, "concern.raised", "ch-a", "2026-03-03T10:00:00+00:00"),
             note(2, "concern.due_soon", "ch-b", "2026-03-02T10:00:00+00:00"),
             note(3, "safeguarding.flagged", "ch-c", "2026-03-01T10:00:00+00:00", urgent=True)]
    assert [g["kind"] for g in group_alerts(notes, {})] == [
        "safeguarding.flagged", "concern.raised", "concern.due_soon"]


def test_a_notification_about_no_child_groups_by_kind_alone():
    notes = [note(1, "oversight.closed", None, "2026-03-01T10:00:00+00:00"),
             note(2, "oversight.closed", None, "2026-03-01T11:00:00+00:00")]
    (group,) = group_alerts(notes, {})
    assert group["count"] == 2 and group["child"] is None and group["child_name"] is None
