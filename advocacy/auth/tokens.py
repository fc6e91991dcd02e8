"""Secret tokens handed to a browser, a bot or a staff member's sign-in."""

from __future__ import annotations

import secrets


def new_token() -> str:
    """A secret of 256 random bits that is also safe to pass as a command-line argument.

    A bare ``token_urlsafe`` starts with "-" once in 64, and ``--token -abc`` is then read as
    an option (a bot's token is given on the command line), so every token starts with "t".
    """
    return "t" + secrets.token_urlsafe(32)
