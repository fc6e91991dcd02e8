"""How a person's unseen alerts are shown: one group per child and kind, with a count (pure).

A manager can hold hundreds of notifications; listed one by one they bury the work. Grouped, the
console shows one line for "Amira: 3 worries raised" and clears it in one action. Urgent groups (a
safeguarding flag) come first, then the newest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# What the person can do about each kind: handling the thing clears the alert (see Notifier.handled).
CONCERN_KINDS = frozenset({
    "safeguarding.flagged", "concern.raised", "concern.due_soon", "concern.escalated",
    "oversight.update_requested", "oversight.closed",
})


def group_alerts(notes: Iterable[Mapping[str, Any]], names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Group public notifications (newest first) by child and kind.

    Each group says its kind, child, the child's name if ``names`` has it (else None), how many
    notifications it holds and their ids, whether any is urgent, when the latest came, and the
    identifiers of the latest (so "Open" goes to the newest concern). Urgent groups first, then by
    the latest notification, newest first.
    """
    groups: dict[tuple[Any, str], dict[str, Any]] = {}
    for note in notes:
        key = (note.get("child"), note["kind"])
        group = groups.get(key)
        if group is None:
            group = groups[key] = {
                "kind": note["kind"], "child": note.get("child"), "child_name": names.get(note.get("child") or ""),
                "count": 0, "ids": [], "urgent": False, "latest": note["created_at"], "latest_ids": note.get("ids", {}),
            }
        group["count"] += 1
        group["ids"].append(note["id"])
        group["urgent"] = group["urgent"] or bool(note.get("urgent"))
        if note["created_at"] > group["latest"]:
            group["latest"], group["latest_ids"] = note["created_at"], note.get("ids", {})
    ordered = sorted(groups.values(), key=lambda g: g["latest"], reverse=True)
    return sorted(ordered, key=lambda g: not g["urgent"])
