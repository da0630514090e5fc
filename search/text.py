"""Plain text for the index, and the kinds of file the document filter offers.

Content apps give search plain text (``from_html`` turns their sanitised HTML into it). The
index keeps no control characters: two of them mark the hits in snippets (``HIT_START``,
``HIT_END``), so text that carried them could forge highlighting.
"""

from __future__ import annotations

import html
import re

from django.utils.translation import gettext_lazy as _

HIT_START, HIT_END = "\x01", "\x02"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"\s+")

# The document filter's vocabulary: documents.filetypes gives each file one of these icons.
FILE_TYPES = {
    "pdf": _("PDF"),
    "doc": _("Text documents (Word, OpenDocument)"),
    "sheet": _("Spreadsheets and CSV"),
    "slides": _("Presentations"),
    "text": _("Plain text and Markdown"),
    "image": _("Images"),
    "archive": _("Archives"),
    "file": _("Other files"),
}


def clean(text: str | None, *, limit: int | None = None) -> str:
    """Text as the index keeps it: no control characters, spaces collapsed, at most ``limit``
    characters."""
    text = _SPACES.sub(" ", _CONTROL.sub(" ", text or "")).strip()
    if limit is not None and len(text) > limit:
        text = text[:limit]
    return text


def from_html(fragment: str | None) -> str:
    """The words of sanitised HTML (a post's or a message's ``body_html``), tags dropped."""
    return html.unescape(_TAG.sub(" ", fragment or ""))


def marked_html(text: str, *, escaped: bool) -> str:
    """A snippet with its hits marked: HTML-escaped (unless the database did it already), then
    each hit wrapped in <mark>. The result is safe to put in a page as is."""
    if not escaped:
        text = html.escape(text, quote=False)
    opened, parts = False, []
    for char in text:
        if char == HIT_START and not opened:
            parts.append("<mark>")
            opened = True
        elif char == HIT_END and opened:
            parts.append("</mark>")
            opened = False
        elif char not in (HIT_START, HIT_END):
            parts.append(char)
    if opened:
        parts.append("</mark>")
    return "".join(parts)
