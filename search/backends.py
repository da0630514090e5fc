"""The two full-text engines behind search.selectors: PostgreSQL and SQLite FTS5.

Each one adds to a queryset of entries (already narrowed to what the viewer may see) the
full-text condition and a ``rank`` where higher is better, and writes the highlighted title
and snippet of a page of results. Their differences, as users see them (docs/search.md):

- PostgreSQL stems French and English ("protocoles" finds "protocole", "nurses" finds
  "nurse") and ignores stop words ("des", "the"); ranking is ``ts_rank_cd`` with titles
  weighted above bodies.
- SQLite matches whole words without stemming (each word must appear, stop words included);
  ranking is ``bm25`` with titles weighted ten times the body.
- Both fold case and accents, both match the last word as a prefix while it is typed.
"""

from __future__ import annotations

import unicodedata

from django.db import connection
from django.db.models import BooleanField, FloatField, QuerySet
from django.db.models.expressions import RawSQL

from search import query as parsing
from search.text import HIT_END, HIT_START, marked_html

TITLE_WEIGHT, BODY_WEIGHT = 10.0, 1.0
# ts_headline parses its whole input in each language (about 40 ms for 200,000 characters),
# and a page of results for a common word is mostly long documents. So the snippet is cut from
# a window of the body around the first place where a searched word seems to be (its first
# letters, accents and case folded: stemming is ts_headline's job, the window only has to hold
# a hit), found in the first HEADLINE_SOURCE_CHARS; from the start when none is found there.
HEADLINE_SOURCE_CHARS = 20_000
HEADLINE_WINDOW_CHARS = 1_500
HEADLINE_LEAD_CHARS = 300  # before the hit, so the fragment can start with its sentence


def hit_stems(query: parsing.Query, *, most: int = 8) -> list[str]:
    """The first letters of each searched word, accents and case folded ("Hygiène" →
    "hygie"), to find roughly where a text matches: the word less its last two letters (a
    plural, a stemmed ending), four at least."""
    stems = []
    for item in query.items:
        for word in item.words:
            folded = "".join(char for char in unicodedata.normalize("NFKD", word.lower())
                             if not unicodedata.combining(char))
            stem = folded[:max(4, len(folded) - 2)]
            # "à", "de": found everywhere, they would place the window anywhere.
            if len(stem) >= 3 and stem not in stems:
                stems.append(stem)
    return stems[:most]


class PostgresBackend:
    name = "postgresql"
    # Highlighting runs on HTML-escaped text, so that ts_headline's parser never sees (and
    # drops or keeps) a tag: the database returns escaped text with the hits between markers.
    _ESCAPED = "replace(replace(replace({}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"

    def matching(self, entries: QuerySet, query: parsing.Query) -> QuerySet:
        sql, params = parsing.to_postgres(query)
        # The SQL is the parser's own (to_postgres); what the user typed is only in params.
        return entries.filter(RawSQL(f'"search_entry"."document" @@ {sql}', params,  # noqa: S611
                                     output_field=BooleanField()))

    def ranked(self, entries: QuerySet, query: parsing.Query) -> QuerySet:
        sql, params = parsing.to_postgres(query)
        return self.matching(entries, query).annotate(rank=RawSQL(  # noqa: S611 - as above
            f'ts_rank_cd("search_entry"."document", {sql})::float8', params,
            output_field=FloatField()))

    def highlights(self, ids: list[int], query: parsing.Query, *,
                   words: int) -> dict[int, tuple[str, str]]:
        if not ids:
            return {}
        sql, params = parsing.to_postgres(query)
        marks = f"StartSel={HIT_START}, StopSel={HIT_END}"
        body_options = (f'{marks}, MaxWords={words}, MinWords={max(words // 2, 5)}, '
                        f'ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "')
        title_options = f"{marks}, HighlightAll=true"
        title = self._ESCAPED.format("e.title")
        body = self._ESCAPED.format("e.body")
        stems = hit_stems(query)
        found = (" ".join("WHEN strpos(folded, %s) > 0 THEN strpos(folded, %s)" for _ in stems)
                 if stems else "WHEN false THEN 1")
        window = f"""(SELECT e.id, e.title, substr(e.body, greatest(1, CASE {found} ELSE 1 END
                                                         - {HEADLINE_LEAD_CHARS}),
                                   {HEADLINE_WINDOW_CHARS}) AS body
                      FROM (SELECT e.*, lower(unaccent(left(e.body, {HEADLINE_SOURCE_CHARS})))
                                       AS folded
                            FROM search_entry e WHERE e.id = ANY(%s)) e)"""  # noqa: S608
        # Constants and the parser's SQL: every text goes in the arguments.
        statement = f"""
            WITH wanted AS (SELECT {sql} AS query)
            SELECT id,
                   CASE WHEN strpos(title_fr, %s) > 0 THEN title_fr
                        ELSE ts_headline('relais_english', {title}, query, %s) END,
                   CASE WHEN strpos(body_fr, %s) > 0 THEN body_fr
                        ELSE ts_headline('relais_english', {body}, query, %s) END
            FROM (SELECT e.id, e.title, e.body, wanted.query,
                         ts_headline('relais_french', {title}, wanted.query, %s) AS title_fr,
                         ts_headline('relais_french', {body}, wanted.query, %s) AS body_fr
                  FROM {window} e, wanted) e"""  # noqa: S608
        arguments = [*params, HIT_START, title_options, HIT_START, body_options,
                     title_options, body_options, *[stem for stem in stems for _ in (1, 2)],
                     list(ids)]
        with connection.cursor() as cursor:
            cursor.execute(statement, arguments)
            return {row[0]: (marked_html(row[1], escaped=True), marked_html(row[2], escaped=True))
                    for row in cursor.fetchall()}


class SqliteBackend:
    name = "sqlite"

    def matching(self, entries: QuerySet, query: parsing.Query) -> QuerySet:
        return entries.extra(tables=["search_fts"],
                             where=["search_fts.rowid = search_entry.id", "search_fts MATCH %s"],
                             params=[parsing.to_fts5(query)])

    def ranked(self, entries: QuerySet, query: parsing.Query) -> QuerySet:
        # bm25 is lower for better matches: negated, higher is better on both backends.
        return self.matching(entries, query).annotate(rank=RawSQL(  # noqa: S611 - constants
            f"-bm25(search_fts, {TITLE_WEIGHT}, {BODY_WEIGHT})", [],
            output_field=FloatField()))

    def highlights(self, ids: list[int], query: parsing.Query, *,
                   words: int) -> dict[int, tuple[str, str]]:
        if not ids:
            return {}
        placeholders = ", ".join(["%s"] * len(ids))
        statement = f"""
            SELECT rowid, highlight(search_fts, 0, %s, %s),
                   snippet(search_fts, 1, %s, %s, '…', %s)
            FROM search_fts
            WHERE search_fts MATCH %s AND rowid IN ({placeholders})"""  # noqa: S608
        arguments = [HIT_START, HIT_END, HIT_START, HIT_END, min(words, 64),
                     parsing.to_fts5(query), *ids]
        with connection.cursor() as cursor:
            cursor.execute(statement, arguments)
            return {row[0]: (marked_html(row[1] or "", escaped=False),
                             marked_html(row[2] or "", escaped=False))
                    for row in cursor.fetchall()}


def current():
    """The backend of the default database."""
    return PostgresBackend() if connection.vendor == "postgresql" else SqliteBackend()
