"""/api/v1/search: the same search as the results page, as JSON (docs/api.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from network.ids import MAX_ID
from search import selectors

router = Router(tags=["search"])



class GroupRef(Schema):
    id: int
    slug: str
    name: str


class AuthorRef(Schema):
    id: int
    display_name: str


class ResultOut(Schema):
    kind: str = Field(description="person, group, document, announcement, post, comment or "
                                  "message")
    id: int = Field(description="The id of the post, message, document, group or person.")
    title: str
    snippet: str = Field(description="HTML: the matching words of the text, escaped, each "
                                     "hit in <mark>.")
    url: str
    group: GroupRef | None
    author: AuthorRef | None
    created: datetime
    rank: float = Field(description="Relevance: higher is better; comparable within one "
                                    "search only.")


class SearchOut(Schema):
    results: list[ResultOut]
    next_cursor: str | None


def _result(result: selectors.Result) -> dict:
    return {"kind": result.kind, "id": result.id, "title": result.title,
            "snippet": str(result.snippet), "url": result.url,
            "group": ({"id": result.group.id, "slug": result.group.slug,
                       "name": result.group.name} if result.group else None),
            "author": ({"id": result.author.id, "display_name": result.author.name}
                       if result.author else None),
            "created": result.created, "rank": result.rank}


@router.get("", response=SearchOut, summary="Search everything I can see")
def search(request, q: str, kind: Annotated[list[str] | None, Query()] = None,
           group: str | None = None,
           author: Annotated[int | None, Field(ge=1, le=MAX_ID)] = None,
           after: str | None = None, before: str | None = None, file_type: str | None = None,
           sort: Literal["relevance", "date"] = "relevance", cursor: str | None = None,
           limit: Annotated[int, Field(ge=1)] = 20):
    """Posts, comments, announcements, messages, documents, groups and people that match `q`
    and that I may see, best match first (or newest first with `sort=date`). `kind` may be
    repeated or comma-separated; `group` is a group's slug; `after` and `before` are dates
    (YYYY-MM-DD, whole days, inclusive) or times. Continue with `cursor=<next_cursor>`."""
    if not q.strip():
        raise ValidationError({"q": _("Type something to search for.")})
    kinds = [part.strip() for value in (kind or []) for part in value.split(",") if part.strip()]
    group_filter = None
    if group:
        group_filter = selectors.group_to_filter(request.auth, group)
        if group_filter is None:
            raise ValidationError({"group": _("There is no group with this address among "
                                              "yours.")})
    page = selectors.search(request.auth, q, kinds=kinds, group=group_filter, author=author,
                            after=after, before=before, file_type=file_type, cursor=cursor,
                            sort=sort, limit=min(limit, settings.RELAIS_LIMITS["api_page_size"]))
    return {"results": [_result(result) for result in page.results],
            "next_cursor": page.next_cursor}
