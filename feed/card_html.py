"""Post cards' HTML, drawn once and shared between readers and requests.

Rendering the 25 to 33 cards of a first feed page was most of its time (about 1.7 ms a card
with Django templates), and most cards are the same for everyone who reads them. A list of
cards (the home feed, a group's posts, "load more") therefore takes each card's HTML from a
cache, under a fingerprint of everything the card's template reads:

- the post and every row loaded with it (author, group, files and their documents, the latest
  comments and their replies and authors, reactions, the poll);
- the card's entries computed for the reader (what they may do, their reactions, their votes,
  their receipt, which of the comments shown are theirs): the reader's own rows are drawn
  only through these (DRAWN_FROM_CARD);
- the language, the time zone and the page's address.

A card's template reads only what the page loaded (the feed's query-count tests hold it to
that), so anything a card shows that changes changes its fingerprint: nothing to invalidate,
and a reader never gets HTML drawn from someone else's rights. What belongs to the request
itself (CSRF token, the reader's avatar, relative times) is drawn as markers and filled in
when served (network.deferred_html).

The cache is the ``cards`` alias, a memory cache in each process (RELAIS_CARD_CACHE_ENTRIES
cards, 2 KB each compressed): a deployment with new templates starts with an empty one.
"""

from __future__ import annotations

import hashlib
import zlib

from django.core.cache import caches
from django.db.models import Model, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation

from network.deferred_html import CSRF_MARK, VIEWER, csrf_input, fill
from network.templatetags.relais import avatar

CARD_TEMPLATE = "feed/_post_card.html"
CACHE_ALIAS = "cards"
# Avatar sizes the card draws for its reader (the comment box).
READER_AVATAR_SIZES = ("sm",)


# Rows of the reader loaded with a post that the card draws only through its own entries
# (``seen``, ``acknowledged_at``, ``poll_state``): left out, so that readers whose rows differ
# only in what is not drawn (when they first saw it, their vote's id) share the card.
DRAWN_FROM_CARD = frozenset({"my_receipts", "my_votes"})


def _describe(value, out: list, seen: set) -> None:
    """Append to ``out`` a text for ``value`` and, for rows, everything loaded with them."""
    if isinstance(value, Model):
        if id(value) in seen:  # a row's link back to its parent (comment.post, poll.post)
            out.append(f"^{type(value).__name__}:{value.pk}")
            return
        seen.add(id(value))
        out.append(f"<{type(value).__name__}")
        for name, field_value in value.__dict__.items():
            if name == "_state":
                for related_name, related in field_value.fields_cache.items():
                    out.append(related_name)
                    _describe(related, out, seen)
            elif name == "_prefetched_objects_cache":
                for related_name, rows in field_value.items():
                    out.append(related_name)
                    _describe(rows, out, seen)
            elif name not in DRAWN_FROM_CARD:
                out.append(name)
                _describe(field_value, out, seen)
        out.append(">")
    elif isinstance(value, QuerySet):
        _describe(list(value) if value._result_cache is None else value._result_cache,
                  out, seen)
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for item in value:
            _describe(item, out, seen)
        out.append("]")
    elif isinstance(value, dict):
        out.append("{")
        for key, item in value.items():
            out.append(repr(key))
            _describe(item, out, seen)
        out.append("}")
    elif isinstance(value, (set, frozenset)):
        out.append(repr(sorted(value, key=repr)))
    else:
        out.append(repr(value))


def fingerprint(card: dict, *context) -> str:
    parts: list = [repr(context)]
    _describe(card, parts, set())
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=20).hexdigest()


def render_cards(request, cards: list[dict]) -> None:
    """Set ``card["html"]`` on each card: its HTML for this request."""
    if not cards:
        return
    context = (translation.get_language(), timezone.get_current_timezone_name(),
               request.get_full_path())
    keys = [f"card:{fingerprint(card, *context)}" for card in cards]
    cache = caches[CACHE_ALIAS]
    found = cache.get_many(keys)
    drawn = {}
    replacements = dict([csrf_input(request)])
    replacements.update({str(avatar(VIEWER, size)): str(avatar(request.user, size))
                         for size in READER_AVATAR_SIZES})
    for key, card in zip(keys, cards, strict=True):
        if key in found:
            html = zlib.decompress(found[key]).decode()
        else:
            html = render_to_string(CARD_TEMPLATE, {
                "card": card, "request": request, "user": VIEWER, "csrf_token": CSRF_MARK,
                "deferred": True})
            # Compressed: a card is 7 KB of HTML and 2 KB compressed, and decompressing it
            # costs about 10 microseconds.
            drawn[key] = zlib.compress(html.encode(), 1)
        card["html"] = fill(html, replacements)
    if drawn:
        cache.set_many(drawn)
