"""Markdown for posts, comments and messages: rendered once on write, sanitised with nh3.

Mentions are written as ``@Display Name`` (the composer's autocomplete inserts exactly that).
The caller says who may be mentioned (the people who can see the text); a mention that names
nobody among them, or two people with the same name, stays plain text and notifies no one.
"""

from __future__ import annotations

import html as html_entities
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import markdown
import nh3
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.html import escape

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "del", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
# A mention is "@" then up to this many words; the longest name that matches wins.
MENTION_MAX_WORDS = 4
MENTION_START = re.compile(r"(?<![\w@])@(?=\w)")
APOSTROPHES = "'\u2019"
WORD = re.compile(rf"[\w][\w{APOSTROPHES}.-]*", re.UNICODE)
DEAD_LINK = re.compile(r'<a(?: title="[^"]*")? rel="noopener noreferrer nofollow">(.*?)</a>', re.S)
BARE_URL = re.compile(r"(?<![(<\[\"'=])\b(https?://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\"])")


# Who may be mentioned: a queryset of users, or a function returning one (see render).
Mentionable = QuerySet | Callable[[], QuerySet] | None


@dataclass
class Rendered:
    html: str
    mentioned_ids: list[int] = field(default_factory=list)


def _candidate_names(source: str) -> dict[int, list[str]]:
    """For each "@" position, the texts it might name: one word, two words, …"""
    candidates = {}
    for match in MENTION_START.finditer(source):
        names, position = [], match.end()
        words = []
        for _ in range(MENTION_MAX_WORDS):
            word = WORD.match(source, position)
            if not word:
                break
            words.append(word.group().rstrip("." + APOSTROPHES))
            names.append(" ".join(words))
            position = word.end()
            if position >= len(source) or source[position] != " ":
                break
            position += 1
        candidates[match.start()] = names
    return candidates


def _lower_variants(name: str) -> set[str]:
    # SQLite's LOWER() folds ASCII letters only ("Élodie" stays "Élodie"), PostgreSQL's folds
    # them all: look for both spellings, then compare in Python.
    return {name.lower(), "".join(c.lower() if c.isascii() else c for c in name)}


def _resolve_mentions(source: str, mentionable: Mentionable):
    """[(start, end, user)] for the mentions in ``source`` that name exactly one person."""
    if mentionable is None:
        return []
    candidates = _candidate_names(source)
    wanted = {variant for names in candidates.values() for name in names
              for variant in _lower_variants(name)}
    if not wanted:
        return []
    if callable(mentionable):
        mentionable = mentionable()
    people: dict[str, list] = {}
    for person in (mentionable.annotate(name_lower=Lower("display_name"))
                   .filter(name_lower__in=wanted, is_active=True)
                   .only("id", "display_name")):
        people.setdefault(person.display_name.lower(), []).append(person)
    found = []
    for start, names in candidates.items():
        for name in reversed(names):  # the longest match first
            matches = people.get(name.lower(), [])
            if len(matches) == 1:
                found.append((start, start + 1 + len(name), matches[0]))
                break
            if matches:
                # Two people share this name: mention no one rather than a shorter namesake.
                break
    return found


_converters = threading.local()
CONVERTER_OPTIONS = {
    "rich": {"extensions": ["sane_lists", "fenced_code", "tables", "nl2br"],
             "output_format": "html"},
    "plain": {},
}


def _converter(kind: str) -> markdown.Markdown:
    """A Markdown converter of this thread, reset for a new text. Building one loads its
    extensions (about half of a short message's rendering time); one instance may not
    convert two texts at once, hence one per thread."""
    converter = getattr(_converters, kind, None)
    if converter is None:
        converter = markdown.Markdown(**CONVERTER_OPTIONS[kind])
        setattr(_converters, kind, converter)
    return converter.reset()


def _link_bare_urls(source: str) -> str:
    return BARE_URL.sub(r"<\1>", source)


def render(source: str, *, mentionable: Mentionable = None) -> Rendered:
    """Markdown ``source`` as safe HTML, with the mentions of ``mentionable`` users linked.

    ``mentionable``: a queryset of users, or a function returning one, called only when the
    text names someone: most messages mention no one, and building the queryset of who may
    be mentioned is not free (a chat message pays it on the way to every reader)."""
    mentions = _resolve_mentions(source, mentionable)
    token = f"rlsmention{secrets.token_hex(6)}x"
    pieces, last, links = [], 0, {}
    for index, (start, end, person) in enumerate(mentions):
        pieces.append(source[last:start])
        placeholder = f"{token}{index}x"
        pieces.append(placeholder)
        links[placeholder] = (
            f'<a class="mention" href="{reverse("accounts:profile", args=[person.id])}" '
            f'data-user-id="{person.id}">@{escape(person.display_name)}</a>'
        )
        last = end
    pieces.append(source[last:])
    html = _converter("rich").convert(_link_bare_urls("".join(pieces)))
    html = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes=URL_SCHEMES, link_rel="noopener noreferrer nofollow")
    # A link whose address was refused (javascript:, data:) keeps its text, not a link's look.
    html = DEAD_LINK.sub(r"\1", html)
    for placeholder, link in links.items():
        html = html.replace(placeholder, link)
    mentioned = list(dict.fromkeys(person.id for _s, _e, person in mentions))
    return Rendered(html=html, mentioned_ids=mentioned)


def plain_excerpt(source: str, length: int = 140) -> str:
    """A one-line excerpt of Markdown ``source`` for notifications and titles."""
    text = html_entities.unescape(nh3.clean(_converter("plain").convert(source), tags=set()))
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
