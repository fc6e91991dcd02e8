"""Hostile input for property tests: any Unicode, huge strings, deep or wrongly typed JSON.

Shared so any capability's tests (messages, concerns ...) can throw the same things at the server.
Run a property against the real server with ``await check_property(strategy, check, examples)``:
hypothesis runs in a worker thread and each example runs on the test's event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Every code point hypothesis can draw, including lone surrogates, controls and bidi overrides.
any_char = st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF)
TRICKY = ["\u202e", "\u2066", "\u200b", "\ufeff", "\x00", "\r\n", "\ud800", "e\u0301", "<script>", "{{7*7}}",
          "${7*7}", "'; --", '{"$gt": ""}', "../../etc/passwd", "\U0001F600", "\u0000\u0000"]


def any_text(max_size: int = 200) -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(any_char, max_size=max_size),
        st.lists(st.sampled_from(TRICKY) | st.text(any_char, max_size=5), max_size=20).map("".join),
    )


def huge_text() -> st.SearchStrategy[str]:
    """Strings around and beyond the length limits (4,000 characters; the server's first cut at 16,000).

    Up to 16,001 characters: even escaped as JSON that stays under the 1 MB packet limit, above
    which the transport closes the connection (as documented; tested on its own).
    """
    return st.builds(lambda piece, n: (piece * n)[:n], st.text(any_char, min_size=1, max_size=3),
                     st.sampled_from([3_999, 4_000, 4_001, 16_000, 16_001]))


def deep_json(max_depth: int = 60) -> st.SearchStrategy[Any]:
    return st.builds(lambda depth, leaf, as_dict: _nest(depth, leaf, as_dict), st.integers(1, max_depth),
                     st.text(max_size=5), st.booleans())


def _nest(depth: int, leaf: Any, as_dict: bool) -> Any:
    for _ in range(depth):
        leaf = {"k": leaf} if as_dict else [leaf]
    return leaf


json_leaf = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | any_text(40)
any_json = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text(10), inner,
                                                                                                 max_size=4),
                        max_leaves=12) | deep_json()


def field_values() -> st.SearchStrategy[Any]:
    """What a hostile client puts where a string should be."""
    return st.one_of(any_text(), huge_text(), any_json)


async def check_property(strategy: st.SearchStrategy[Any], check: Callable[[Any], Awaitable[None]],
                         examples: int) -> None:
    loop = asyncio.get_running_loop()

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(value: Any) -> None:
        asyncio.run_coroutine_threadsafe(check(value), loop).result(timeout=120)

    await asyncio.to_thread(run)
