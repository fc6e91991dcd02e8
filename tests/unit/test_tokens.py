"""Tokens are handed to browsers and bots; a bot's is typed on a command line."""

import pytest

from advocacy.auth.tokens import new_token
from bots._run import parser


def test_a_token_that_began_with_a_dash_would_be_read_as_an_option():
    with pytest.raises(SystemExit):
        parser("a bot").parse_args(["--url", "http://127.0.0.1:1", "--token", "-Ab3"])


def test_every_token_passes_through_a_bots_command_line():
    tokens = [new_token() for _ in range(3000)]  # a bare token_urlsafe starts with "-" once in 64
    bot = parser("a bot")
    for token in tokens:
        assert bot.parse_args(["--url", "http://127.0.0.1:1", "--token", token]).token == token
    assert len(set(tokens)) == len(tokens)
    assert min(len(t) for t in tokens) >= 43  # 256 random bits, url-safe
