"""What people type in the search box, read once and written in each backend's own syntax.

The rules are those of PostgreSQL's ``websearch_to_tsquery``:

- words are all required: ``hygiène mains``;
- ``"quoted words"`` must appear together, in that order;
- ``-word`` or ``-"quoted words"`` must not appear;
- ``OR`` (any case) between two words or phrases accepts either; it binds tighter than the
  implicit AND, so ``sepsis protocole OR procédure`` is sepsis AND (protocole OR procédure);
- the last word, while it is being typed (no space after it), also matches the words it
  begins: ``hygi`` finds "hygiène".

Nothing the user types is ever passed through as query syntax. Each word or phrase becomes a
quoted FTS5 string, or a bound parameter of ``phraseto_tsquery`` on PostgreSQL; only the
prefix is spelled in ``to_tsquery`` syntax, from letters and digits alone. So a stray quote,
``NEAR(``, ``*``, ``:`` or a lone ``-`` is never an error: it is ignored or searched as text.
A query with nothing left to look for (only exclusions, or only punctuation) finds nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Letters and digits: what a word is made of, for prefixes and to tell text from punctuation.
WORD = re.compile(r"[^\W_]+")
# A prefix of one letter would match a large part of the index.
PREFIX_MIN_CHARS = 2
# Beyond this, words are ignored: a pasted page must not become a query of a thousand terms.
MAX_ITEMS = 32


@dataclass(frozen=True)
class Item:
    """A word, or words that must appear together (a quoted phrase, or "covid-19")."""

    text: str
    prefix: bool = False

    @property
    def words(self) -> list[str]:
        return WORD.findall(self.text)


@dataclass
class Query:
    # Every group must match; a group matches when one of its items does.
    groups: list[list[Item]] = field(default_factory=list)
    excluded: list[Item] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.groups)

    @property
    def items(self) -> list[Item]:
        return [item for group in self.groups for item in group]


@dataclass(frozen=True)
class _Token:
    text: str
    quoted: bool
    negated: bool


def _tokens(text: str) -> list[_Token]:
    tokens, position, length = [], 0, len(text)
    while position < length:
        char = text[position]
        if char.isspace():
            position += 1
            continue
        negated = char == "-" and position + 1 < length and not text[position + 1].isspace()
        if negated:
            position += 1
            char = text[position]
        if char == '"':
            end = text.find('"', position + 1)
            end = length if end == -1 else end
            tokens.append(_Token(text[position + 1:end], quoted=True, negated=negated))
            position = end + 1
        else:
            end = position
            while end < length and not text[end].isspace() and text[end] != '"':
                end += 1
            tokens.append(_Token(text[position:end], quoted=False, negated=negated))
            position = end
    return tokens


def _is_or(token: _Token) -> bool:
    return not token.quoted and not token.negated and token.text.lower() == "or"


def parse(text: str) -> Query:
    """Read a search box's text. Never fails: what cannot be searched is left out."""
    text = (text or "").replace("\x00", " ")
    tokens = _tokens(text)
    query = Query()
    pending_or = False
    typed_last: tuple[int, int] | None = None  # the last word, if it is still being typed
    for index, token in enumerate(tokens):
        if _is_or(token):
            # Between two things it joins them; at either end it is ignored.
            pending_or = bool(query.groups) and index + 1 < len(tokens)
            continue
        if not WORD.search(token.text):
            continue  # punctuation only ("*", ":", "(", a lone quote)
        if len(query.items) + len(query.excluded) >= MAX_ITEMS:
            break
        item = Item(" ".join(token.text.split()))
        if token.negated:
            query.excluded.append(item)
        elif pending_or:
            query.groups[-1].append(item)
        else:
            query.groups.append([item])
        pending_or = False
        is_last = index == len(tokens) - 1
        if is_last and not token.quoted and not token.negated and not text[-1].isspace():
            typed_last = (len(query.groups) - 1, len(query.groups[-1]) - 1)
    if typed_last is not None:
        group, position = typed_last
        item = query.groups[group][position]
        if len(item.words[-1]) >= PREFIX_MIN_CHARS:
            query.groups[group][position] = Item(item.text, prefix=True)
    return query


# --- SQLite FTS5 ---------------------------------------------------------------------------

def _fts5_string(item: Item) -> str:
    # A quoted FTS5 string is tokenized like the indexed text and has no operators inside.
    quoted = '"' + item.text.replace('"', '""') + '"'
    if item.prefix:
        # The prefix applies to the last token only: spell it from letters and digits so the
        # tokenizer cannot split it differently from what the user sees.
        quoted = '"' + " ".join(item.words).replace('"', '""') + '"*'
    return quoted


def to_fts5(query: Query) -> str:
    """The FTS5 MATCH expression of ``query`` ("" when there is nothing to look for)."""
    if not query:
        return ""
    groups = []
    for group in query.groups:
        strings = [_fts5_string(item) for item in group]
        groups.append(strings[0] if len(strings) == 1 else "(" + " OR ".join(strings) + ")")
    expression = " AND ".join(groups)
    if query.excluded:
        excluded = " OR ".join(_fts5_string(item) for item in query.excluded)
        expression = f"({expression}) NOT ({excluded})"
    return expression


# --- PostgreSQL ----------------------------------------------------------------------------

STEMMED_CONFIGURATIONS = ("relais_french", "relais_english")
PREFIX_CONFIGURATIONS = ("relais_french", "relais_english", "relais_simple")


def _distinct_union(calls: list[str]) -> str:
    """``calls[0] || calls[1] || …``, leaving out each query equal to an earlier one.

    French and English often stem a word alike ("sepsis"), and a prefix being typed is often
    its own stem ("proto"), while the GIN index reads a repeated term once per repetition: a
    common prefix twice over took twice as long (docs/benchmarks.md, "Search").
    The calls are immutable, so PostgreSQL folds this into one constant when planning.
    """
    union = calls[0]
    for position, call in enumerate(calls[1:], start=1):
        repeated = " OR ".join(f"{call} = {earlier}" for earlier in calls[:position])
        union = f"(CASE WHEN {repeated} THEN {union} ELSE {union} || {call} END)"
    return union


def _pg_item(item: Item) -> tuple[str, list]:
    if item.prefix:
        # Stemmed and unstemmed: "protocole" typed in full stems to "protocol", while "hygi"
        # is only a prefix of the unstemmed word.
        expression = " <-> ".join(item.words) + ":*"
        sql = _distinct_union([f"to_tsquery('{config}', %s)"
                               for config in PREFIX_CONFIGURATIONS])
        return sql, [expression] * sql.count("%s")
    sql = _distinct_union([f"phraseto_tsquery('{config}', %s)"
                           for config in STEMMED_CONFIGURATIONS])
    return sql, [item.text] * sql.count("%s")


def to_postgres(query: Query) -> tuple[str, list]:
    """A SQL expression of type tsquery for ``query``, and its parameters."""
    sql_groups, params = [], []
    for group in query.groups:
        parts = []
        for item in group:
            sql, item_params = _pg_item(item)
            parts.append(sql)
            params.extend(item_params)
        sql_groups.append(parts[0] if len(parts) == 1 else "(" + " || ".join(parts) + ")")
    for item in query.excluded:
        sql, item_params = _pg_item(item)
        sql_groups.append(f"!!{sql}")
        params.extend(item_params)
    return "(" + " && ".join(sql_groups) + ")", params
