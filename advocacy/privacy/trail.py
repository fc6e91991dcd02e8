"""What the audit trail learns from the news: every change of a child's advocate."""

from __future__ import annotations

from advocacy import audit
from advocacy.clock import Clock
from advocacy.events import Subscriber
from advocacy.pairing.changes import PairingChange
from advocacy.store import Store


def pairing_recorder(store: Store, clock: Clock) -> Subscriber[PairingChange]:
    """A subscriber to ``PairingChanges.announced`` writing each change to the audit trail (identifiers
    and the reason only)."""

    async def record(change: PairingChange) -> None:
        by = getattr(change, "by", None)  # who asked, when the change says so; else the service itself
        await audit.record(
            store, clock, actor=by or "service",
            role=getattr(change, "by_role", None) or ("staff" if by else "service"),
            action="pairing.change",
            subject=change.child, advocate=change.advocate, previous=change.previous, why=change.why,
            pairing=change.pairing,
        )

    return record
