"""Demo data: people to sign in as (``people``), their concerns (``concerns``), a year of history
for the figures, the queue and the team page (``history``), and simulated pairs for load tests (``swarm``).

``seed`` is what `advocacy serve --demo` runs, whether with one process or several.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from advocacy.bootstrap import Services
from advocacy.demo import concerns, history, people


async def seed(services: Services, data_dir: Path, url: str) -> dict[str, Any]:
    """Seed everything the demo shows (each part only once); returns the sign-ins."""
    creds = await people.seed(services.store, services.clock, data_dir, url)
    await concerns.seed_concerns(services, creds)
    await history.seed_history(services)
    return creds


describe = people.describe
credentials_path = people.credentials_path
