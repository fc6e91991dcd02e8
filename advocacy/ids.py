"""Record identifiers: a short prefix saying what the record is, then 16 random hex digits."""

from __future__ import annotations

import secrets


def new_id(prefix: str) -> str:
    """``new_id("ch")`` -> ``"ch_4f1c0a9e2b7d6e31"``: unguessable, so an id alone gives nothing away."""
    return f"{prefix}_{secrets.token_hex(8)}"
