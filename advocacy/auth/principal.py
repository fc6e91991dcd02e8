"""Who is making a request or holds a socket: from a valid session (pure, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Principal:
    """A signed-in user: their session, id, role and display name, and when the session ends."""

    session_id: str
    user_id: str
    role: str
    name: str
    expires_at: datetime

    def public(self) -> dict[str, Any]:
        return {"id": self.user_id, "name": self.name, "role": self.role}

    def by(self) -> dict[str, str]:
        """Who did something, as records keep it: ``{"id", "role"}``."""
        return {"id": self.user_id, "role": self.role}
