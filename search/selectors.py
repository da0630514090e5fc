"""Every read of the search index, scoped to the viewer inside the SQL (DESIGN.md, "Search").

``search`` is the one entry point for a list of results, whichever backend runs it;
``overview`` gives the first few of each kind with their counts (the results page and the top
bar's suggestions); ``summary`` gives the counts by kind and the facets that fill the
filters.

Who sees an entry is decided in the same query that matches it, never afterwards:

- a group's content (posts, comments, announcements, channel messages, documents): the group
  is among ``groups.selectors.visible_groups(user)``;
- a direct conversation's messages (no group): the user is in the entry's audience;
- a group itself: the group is among ``listed_groups(user)`` (staff find private groups by
  name, to ask to join; secret groups only their members);
- a person: the directory's rule, ``accounts.selectors.visible_people(user)``.

So a member removed from a group stops finding its content with their next query.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import CharField, Count, F, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.selectors import visible_people
from groups.models import Group
from groups.selectors import listed_groups, visible_groups
from network.ids import MAX_ID
from network.keyset import EPOCH, MICROSECOND
from search import backends
from search import query as parsing
from search.models import AudienceMember, Entry, Kind
from search.text import FILE_TYPES

RELEVANCE, DATE = "relevance", "date"
SORTS = (RELEVANCE, DATE)
KIND_ORDER = [kind.value for kind in Kind]
FACET_SIZE = 20
EARLIEST, LATEST = 1900, 9000  # the years a date filter may name
# Up to this many of the viewer's group ids (or conversations) are named in a search's SQL;
# more (an organisation admin sees every group) stay a subquery.
INLINE_IDS_MAX = 1000
ICONS = {Kind.PERSON: "people", Kind.GROUP: "groups", Kind.DOCUMENT: "file",
         Kind.ANNOUNCEMENT: "megaphone", Kind.POST: "feed", Kind.COMMENT: "reply",
         Kind.MESSAGE: "chat"}
ONE_OF_KIND = {Kind.PERSON: gettext_lazy("Person"), Kind.GROUP: gettext_lazy("Group"),
               Kind.DOCUMENT: gettext_lazy("Document"),
               Kind.ANNOUNCEMENT: gettext_lazy("Announcement"), Kind.POST: gettext_lazy("Post"),
               Kind.COMMENT: gettext_lazy("Comment"), Kind.MESSAGE: gettext_lazy("Message")}


@dataclass(frozen=True)
class Ref:
    id: int
    name: str
    slug: str = ""


@dataclass
class Result:
    kind: str
    id: int
    title: str
    snippet: SafeString
    url: str
    group: Ref | None
    author: Ref | None
    created: datetime
    rank: float
    title_html: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def icon(self) -> str:
        return ICONS.get(self.kind, "search")

    @property
    def kind_label(self) -> str:
        return str(ONE_OF_KIND.get(self.kind, self.kind))

    @property
    def heading(self) -> str:
        """What the result is called when it has no title of its own."""
        if self.group is None:
            return _("Direct message") if self.kind == Kind.MESSAGE else self.kind_label
        names = {Kind.POST: _("Post in %(group)s"),
                 Kind.ANNOUNCEMENT: _("Announcement in %(group)s"),
                 Kind.COMMENT: _("Comment in %(group)s"),
                 Kind.MESSAGE: _("Message in %(group)s")}
        return names.get(self.kind, "%(group)s") % {"group": self.group.name}


@dataclass
class ResultPage:
    results: list[Result]
    next_cursor: str | None = None


@dataclass
class Section:
    kind: str
    label: str
    count: int
    results: list[Result]
    url: str = ""  # the results page's link to all of this kind, set by the view


@dataclass
class Facets:
    groups: list[tuple[Ref, int]]
    authors: list[tuple[Ref, int]]


@dataclass
class Filters:
    """The narrowing of a search, checked once (``filters`` builds it from raw values)."""

    kinds: tuple[str, ...] = ()
    group_id: int | None = None
    author_id: int | None = None
    after: datetime | None = None
    before: datetime | None = None
    file_type: str | None = None

    def without(self, name: str) -> Filters:
        values = dict(self.__dict__)
        values[name] = () if name == "kinds" else None
        return Filters(**values)


# --- Checking what was asked -----------------------------------------------------------------

def parse_query(q: str) -> parsing.Query:
    limit = settings.RELAIS_LIMITS["search_query_chars"]
    if len(q or "") > limit:
        raise ValidationError({"q": _("This search is too long: %(limit)s characters at most "
                                      "(%(length)s typed).") % {"limit": limit,
                                                               "length": len(q)}})
    return parsing.parse(q)


def _bound(value, name: str, *, end: bool) -> datetime | None:
    """A date (the whole day, in the current time zone) or a time, as an instant."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value) if "T" in value or " " in value else parse_date(value)
        except ValueError:
            parsed = None
        if parsed is None:
            raise ValidationError({name: _("Give a date as YYYY-MM-DD (or a time as "
                                           "YYYY-MM-DDTHH:MM).")})
        value = parsed
    if isinstance(value, date) and not EARLIEST <= value.year <= LATEST:
        raise ValidationError({name: _("Give a date between the years %(first)s and "
                                       "%(last)s.") % {"first": EARLIEST, "last": LATEST}})
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, date):
        day = value + timedelta(days=1) if end else value
        return timezone.make_aware(datetime.combine(day, time.min))
    raise ValidationError({name: _("Give a date as YYYY-MM-DD.")})


def filters(*, kinds=None, group=None, author=None, after=None, before=None,
            file_type=None) -> Filters:
    """Check the filters of a search; ValidationError names the one that is wrong."""
    kinds = tuple(dict.fromkeys(k for k in (kinds or ()) if k))
    unknown = [kind for kind in kinds if kind not in Kind.values]
    if unknown:
        raise ValidationError({"kind": _("Unknown kind: %(kinds)s. Choose among %(known)s.")
                                       % {"kinds": ", ".join(unknown),
                                          "known": ", ".join(Kind.values)}})
    if file_type and file_type not in FILE_TYPES:
        raise ValidationError({"file_type": _("Unknown file type. Choose among %(known)s.")
                                            % {"known": ", ".join(FILE_TYPES)}})
    after_at, before_at = _bound(after, "after", end=False), _bound(before, "before", end=True)
    if after_at and before_at and after_at >= before_at:
        raise ValidationError({"before": _("The end of the period comes before its start.")})
    return Filters(kinds=kinds, group_id=getattr(group, "pk", group),
                   author_id=getattr(author, "pk", author), after=after_at, before=before_at,
                   file_type=file_type or None)


def _encode_cursor(sort: str, row: dict) -> str:
    if sort == RELEVANCE:
        payload = ["r", row["rank"], row["id"]]
    else:
        payload = ["d", (row["created"] - EPOCH) // MICROSECOND, row["id"]]
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str) -> tuple:
    invalid = ValidationError({"cursor": _("This cursor is not valid; start from the first "
                                           "page.")})
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        kind, position, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise invalid from None
    if not isinstance(pk, int) or isinstance(pk, bool) or not 0 <= pk <= MAX_ID \
            or kind != sort[0]:
        raise invalid
    if kind == "r" and isinstance(position, int | float) and not isinstance(position, bool) \
            and math.isfinite(position):
        return float(position), pk
    if kind == "d" and isinstance(position, int) and not isinstance(position, bool):
        try:
            return EPOCH + position * MICROSECOND, pk
        except OverflowError:
            raise invalid from None
    raise invalid


# --- The query ----------------------------------------------------------------------------

def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def _scope(user) -> tuple[list | QuerySet, list | QuerySet]:
    """The ids of the groups ``user`` sees and the keys of the conversations they read, both
    in one query, as lists for a search's SQL to name; either stays a subquery when it holds
    more than INLINE_IDS_MAX."""
    groups = visible_groups(user).order_by()
    conversations = AudienceMember.objects.filter(user=user).order_by()
    found: dict[str, list] = {"g": [], "a": []}
    for tag, value in (groups.values_list(Value("g"), Cast("id", CharField()))
                       .union(conversations.values_list(Value("a"), "key"), all=True)):
        found[tag].append(value)
    group_ids = [int(pk) for pk in found["g"]]
    return (group_ids if len(group_ids) <= INLINE_IDS_MAX else groups.values("id"),
            found["a"] if len(found["a"]) <= INLINE_IDS_MAX else conversations.values("key"))


def visible_entries(user) -> QuerySet[Entry]:
    """The entries ``user`` may find (before any text matching).

    The viewer's groups and conversations are read first (one query) and named in the query
    as lists, and each way of seeing a row is its own branch (a group's content, a
    conversation's): so PostgreSQL can intersect the text match with the viewer's rows in its
    indexes (BitmapAnd) rather than read every row that matches to filter it
    (docs/benchmarks.md, "Search").
    """
    if not _active(user):
        return Entry.objects.none()
    group_ids, conversations = _scope(user)
    in_groups, in_audience = Q(group_id__in=group_ids), Q(audience__in=conversations)
    content = ((in_groups & (Q(audience__isnull=True) | in_audience))
               | (Q(group__isnull=True) & in_audience))
    return Entry.objects.filter(
        Q(kind=Kind.PERSON, object_id__in=visible_people(user).values("id"))
        | Q(kind=Kind.GROUP, group_id__in=listed_groups(user).values("id"))
        | (~Q(kind__in=[Kind.PERSON, Kind.GROUP]) & content))


def _narrowed(entries: QuerySet, chosen: Filters) -> QuerySet:
    if chosen.kinds:
        entries = entries.filter(kind__in=chosen.kinds)
    if chosen.group_id is not None:
        entries = entries.filter(group_id=chosen.group_id)
    if chosen.author_id is not None:
        entries = entries.filter(author_id=chosen.author_id)
    if chosen.after is not None:
        entries = entries.filter(created__gte=chosen.after)
    if chosen.before is not None:
        entries = entries.filter(created__lt=chosen.before)
    if chosen.file_type:
        entries = entries.filter(extra__file_type=chosen.file_type)
    return entries


ROW_FIELDS = ("id", "kind", "object_id", "title", "url", "created", "extra", "group_id",
              "group_name", "group_slug", "author_id", "author_name")


def _with_names(entries: QuerySet) -> QuerySet:
    return entries.annotate(group_name=F("group__name"), group_slug=F("group__slug"),
                            author_name=F("author__display_name"))


def _results(rows: list[dict], query: parsing.Query, *, words: int) -> list[Result]:
    highlights = backends.current().highlights([row["id"] for row in rows], query, words=words)
    results = []
    for row in rows:
        # backends.highlights escaped the text and added only <mark> (search.text.marked_html).
        title_html, snippet = (mark_safe(html)  # noqa: S308
                               for html in highlights.get(row["id"], ("", "")))
        group = (Ref(row["group_id"], row["group_name"], row["group_slug"])
                 if row["group_id"] else None)
        author = Ref(row["author_id"], row["author_name"]) if row["author_id"] else None
        results.append(Result(kind=row["kind"], id=row["object_id"], title=row["title"],
                              snippet=snippet, url=row["url"], group=group, author=author,
                              created=row["created"], rank=row["rank"], title_html=title_html,
                              extra=row["extra"] or {}))
    return results


def search(user, q: str, *, kinds=None, group=None, author=None, after=None, before=None,
           file_type=None, cursor: str | None = None, sort: str = RELEVANCE, limit: int = 20,
           snippet_words: int = 30) -> ResultPage:
    """One page of what ``user`` finds for ``q``, best first (or newest first with
    ``sort="date"``); ``next_cursor`` continues after it. Raises ValidationError for a query
    that is too long or filters that make no sense."""
    if sort not in SORTS:
        raise ValidationError({"sort": _("Sort by relevance or by date.")})
    query = parse_query(q)
    chosen = filters(kinds=kinds, group=group, author=author, after=after, before=before,
                     file_type=file_type)
    position = _decode_cursor(cursor, sort) if cursor else None
    if not query or not _active(user):
        return ResultPage([])
    entries = backends.current().ranked(_narrowed(visible_entries(user), chosen), query)
    order = "rank" if sort == RELEVANCE else "created"
    if position is not None:
        value, pk = position
        entries = entries.filter(Q(**{f"{order}__lt": value}) | Q(**{order: value, "id__lt": pk}))
    rows = list(_with_names(entries).order_by(f"-{order}", "-id")
                .values(*ROW_FIELDS, "rank")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _encode_cursor(sort, rows[-1]) if more and rows else None
    return ResultPage(_results(rows, query, words=snippet_words), next_cursor)


def overview(user, q: str, *, per_kind: int = 3, sort: str = RELEVANCE,
             snippet_words: int = 30, **filter_values) -> list[Section]:
    """The first ``per_kind`` results of each kind, with how many there are of each, in the
    order of ``Kind`` (people and groups first). Three queries whatever the number of kinds."""
    if sort not in SORTS:
        raise ValidationError({"sort": _("Sort by relevance or by date.")})
    query = parse_query(q)
    chosen = filters(**filter_values)
    if not query or not _active(user):
        return []
    entries = backends.current().ranked(_narrowed(visible_entries(user), chosen), query)
    inner, params = (entries.order_by().values("id", "kind", "created", "rank")
                     .query.sql_with_params())
    order = "rank" if sort == RELEVANCE else "created"
    # The inner query is Django's, compiled with its parameters apart; ``order`` is a constant.
    statement = f"""
        SELECT id, kind, rank, total FROM (
            SELECT t.id, t.kind, t.rank,
                   ROW_NUMBER() OVER (PARTITION BY t.kind ORDER BY t.{order} DESC, t.id DESC)
                       AS position,
                   COUNT(*) OVER (PARTITION BY t.kind) AS total
            FROM ({inner}) t) ranked
        WHERE position <= %s"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, per_kind])
        found = cursor.fetchall()
    ranks = {row[0]: row[2] for row in found}
    totals = {row[1]: row[3] for row in found}
    rows = list(_with_names(Entry.objects.filter(id__in=ranks)).values(*ROW_FIELDS))
    for row in rows:
        row["rank"] = ranks[row["id"]]
    key = (lambda row: (-row["rank"], -row["id"])) if sort == RELEVANCE else \
        (lambda row: (-row["created"].timestamp(), -row["id"]))
    results = _results(sorted(rows, key=key), query, words=snippet_words)
    labels = dict(Kind.choices)
    return [Section(kind=kind, label=str(labels[kind]), count=totals[kind],
                    results=[r for r in results if r.kind == kind])
            for kind in KIND_ORDER if kind in totals]


@dataclass
class Summary:
    counts: dict[str, int]  # by kind, in Kind order, whatever kind is chosen
    facets: Facets


def summary(user, q: str, **filter_values) -> Summary:
    """The results page's counts by kind and its group and author facets, from one pass over
    the matches.

    Each figure ignores its own filter (the counts by kind ignore the chosen kinds, the groups
    the chosen group, the authors the chosen author) and applies the others. The text is
    matched once, without those three filters, and counted by kind, group and author; the
    three figures are sums of those counts. Matching a common word is most of a search's
    cost: three separate counts matched it three times.
    """
    query = parse_query(q)
    chosen = filters(**filter_values)
    if not query or not _active(user):
        return Summary({}, Facets([], []))
    broad = chosen.without("kinds").without("group_id").without("author_id")
    cells = (backends.current().matching(_narrowed(visible_entries(user), broad), query)
             .order_by().values("kind", "group_id", "group__name", "group__slug", "author_id",
                                "author__display_name")
             .annotate(total=Count("id")))
    kinds, groups, authors = Counter(), Counter(), Counter()
    group_refs, author_refs = {}, {}
    for cell in cells:
        kind_ok = not chosen.kinds or cell["kind"] in chosen.kinds
        group_ok = chosen.group_id is None or cell["group_id"] == chosen.group_id
        author_ok = chosen.author_id is None or cell["author_id"] == chosen.author_id
        if group_ok and author_ok:
            kinds[cell["kind"]] += cell["total"]
        if kind_ok and author_ok and cell["group_id"] is not None:
            groups[cell["group_id"]] += cell["total"]
            group_refs[cell["group_id"]] = Ref(cell["group_id"], cell["group__name"],
                                               cell["group__slug"])
        if kind_ok and group_ok and cell["author_id"] is not None:
            authors[cell["author_id"]] += cell["total"]
            author_refs[cell["author_id"]] = Ref(cell["author_id"],
                                                 cell["author__display_name"])

    def most_frequent(totals: Counter, refs: dict) -> list[tuple[Ref, int]]:
        ranked = sorted(totals.items(), key=lambda item: (-item[1], refs[item[0]].name))
        return [(refs[ref_id], total) for ref_id, total in ranked[:FACET_SIZE]]

    return Summary(counts={kind: kinds[kind] for kind in KIND_ORDER if kinds[kind]},
                   facets=Facets(groups=most_frequent(groups, group_refs),
                                 authors=most_frequent(authors, author_refs)))


def group_to_filter(user, slug: str) -> Group | None:
    """The group a search may be narrowed to: one ``user`` can list (None otherwise, for a
    missing and a hidden group alike)."""
    if not slug:
        return None
    return listed_groups(user).filter(slug=slug).first()
