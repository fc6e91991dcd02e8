"""Staff rich text (canned replies, notes, information pages): a small safe subset of HTML.

Text is cleaned with bleach against an allow-list when it is written, so what is
stored is already safe: paragraphs, line breaks, bold, italic, lists and links
(http, https and mailto only; bare web addresses become links). Anything else is
removed and its words kept as text. ``plain_text`` gives the same words without
markup, for a chat message (chat is plain text only).
"""

from __future__ import annotations

import functools
from html import escape
from html.parser import HTMLParser
from typing import Any

from bleach.linkifier import LinkifyFilter
from bleach.sanitizer import Cleaner

TAGS = frozenset({"p", "br", "strong", "b", "em", "i", "ul", "ol", "li", "a"})
ATTRIBUTES = {"a": ["href", "rel"]}
PROTOCOLS = frozenset({"http", "https", "mailto"})
_BLOCKS = {"p", "ul", "ol"}


def _safe_link(attrs: dict[Any, str], new: bool = False) -> dict[Any, str]:
    """Every link opens without giving the page it opens any hold on ours, and is never endorsed."""
    attrs[(None, "rel")] = "nofollow noopener noreferrer"
    return attrs


_CLEANER = Cleaner(tags=TAGS, attributes=ATTRIBUTES, protocols=PROTOCOLS, strip=True, strip_comments=True,
                   filters=[functools.partial(LinkifyFilter, callbacks=[_safe_link])])


def sanitise(html: str) -> str:
    """The allowed subset of ``html``: unknown tags removed (their words kept), attributes and
    link protocols outside the allow-list dropped, bare addresses made links. Text typed with no
    markup at all keeps its paragraphs (a blank line) and line breaks."""
    if "<" not in html:
        paragraphs = [p.strip() for p in html.replace("\r\n", "\n").split("\n\n") if p.strip()]
        html = "".join("<p>" + escape(p, quote=False).replace("\n", "<br>") + "</p>" for p in paragraphs)
    return _CLEANER.clean(html).strip()


class _PlainText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.lists: list[list[int]] = []  # for each open list: [number of the next item] (0: bullets)
        self.href: str | None = None
        self.link_words: list[str] = []

    def _break(self, blank: bool) -> None:
        text = "".join(self.parts).rstrip(" ")
        if not text:
            return
        wanted = "\n\n" if blank else "\n"
        trailing = len(text) - len(text.rstrip("\n"))
        self.parts = [text + wanted[trailing:]] if trailing < len(wanted) else [text]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self._break(blank=not self.lists)
        if tag == "ul":
            self.lists.append([0])
        elif tag == "ol":
            self.lists.append([1])
        elif tag == "li":
            self._break(blank=False)
            number = self.lists[-1] if self.lists else [0]
            self.parts.append("  " * max(0, len(self.lists) - 1) + (f"{number[0]}. " if number[0] else "- "))
            if number[0]:
                number[0] += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "a":
            self.href = dict(attrs).get("href")
            self.link_words = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self._break(blank=not self.lists)
        elif tag == "p":
            self._break(blank=True)
        elif tag == "a":
            words = "".join(self.link_words).strip()
            if self.href and self.href.removeprefix("mailto:") not in (words, f"http://{words}", f"https://{words}"):
                self.parts.append(f" ({self.href.removeprefix('mailto:')})")
            self.href = None

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split()) if data.strip() else (" " if data else "")
        if data[:1].isspace() and text and not text.startswith(" "):
            text = " " + text
        if data[-1:].isspace() and text and not text.endswith(" "):
            text += " "
        if not "".join(self.parts[-1:]).strip(" ") or "".join(self.parts).endswith("\n"):
            text = text.lstrip(" ") if not self.parts or self.parts[-1].endswith(("\n", "- ", ". ")) else text
        self.parts.append(text)
        if self.href is not None:
            self.link_words.append(text)


def plain_text(html: str) -> str:
    """The words of (sanitised) rich text as plain text: paragraphs apart, list items on lines of their
    own ("- " or "1. "), a link's address after its words when they differ."""
    parser = _PlainText()
    parser.feed(html)
    parser.close()
    return "\n".join(line.rstrip(" ") for line in "".join(parser.parts).split("\n")).strip("\n")
