"""The results page and the top bar's suggestions: adapters over search.selectors."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.selectors import visible_people
from search import selectors
from search.forms import SearchForm
from search.models import Kind
from search.selectors import RELEVANCE, Ref
from search.text import FILE_TYPES

PAGE_SIZE = 20
PER_KIND = 3
SUGGESTIONS_PER_KIND = 2
FILTER_NAMES = ("group", "author", "after", "before", "file_type")


def _link(params: dict, **changes) -> str:
    values = {**params, **changes}
    return "?" + urlencode({name: value for name, value in values.items()
                            if value not in (None, "")})


def _params(form: SearchForm) -> dict:
    """The page's parameters as typed, to build its links (never the cursor)."""
    return {name: form.data.get(name, "") for name in
            ("q", "kind", "sort", *FILTER_NAMES)}


def _show_errors(form: SearchForm, error: ValidationError) -> None:
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


def _choices(facet: list[tuple[Ref, int]], chosen: Ref | None) -> list[tuple[Ref, int | None]]:
    """A filter's options: those found, and the chosen one even if it found nothing."""
    if chosen is not None and all(ref.id != chosen.id for ref, _count in facet):
        return [*facet, (chosen, None)]
    return list(facet)


def _author(user, author_id, found: list[tuple[Ref, int]]) -> Ref | None:
    if author_id is None:
        return None
    for ref, _count in found:
        if ref.id == author_id:
            return ref
    person = visible_people(user).filter(id=author_id).only("display_name").first()
    return Ref(author_id, person.display_name if person else _("Someone you cannot see"))


@login_required
def results(request):
    form = SearchForm(request.GET)
    context = {"nav": "search", "form": form, "query": request.GET.get("q", ""),
               "file_types": FILE_TYPES.items(), "params": _params(form),
               "query_limit": settings.RELAIS_LIMITS["search_query_chars"]}
    if not form.is_valid():
        return render(request, "search/results.html", context, status=400)
    data, user = form.cleaned_data, request.user
    params = context["params"]
    group = selectors.group_to_filter(user, data["group"]) if data["group"] else None
    if data["group"] and group is None:
        form.add_error("group", _("There is no group with this address among yours."))
        return render(request, "search/results.html", context, status=400)
    query, kind, sort = data["q"], data["kind"], data["sort"] or RELEVANCE
    narrowing = {"group": group, "author": data["author"], "after": data["after"],
                 "before": data["before"], "file_type": data["file_type"] or None}
    context.update(kind=kind, sort=sort,
                   filtered=any(params[name] for name in FILTER_NAMES),
                   clear_url=_link({"q": query, "kind": kind, "sort": params["sort"]}))
    if not query.strip():
        return render(request, "search/results.html", context)
    try:
        found = selectors.summary(user, query, kinds=[kind] if kind else None, **narrowing)
        counts, facets = found.counts, found.facets
        if kind:
            page = selectors.search(user, query, kinds=[kind], sort=sort, limit=PAGE_SIZE,
                                    cursor=data["cursor"] or None, **narrowing)
        else:
            sections = selectors.overview(user, query, per_kind=PER_KIND, sort=sort,
                                          **narrowing)
    except ValidationError as error:
        _show_errors(form, error)
        return render(request, "search/results.html", context, status=400)
    labels = dict(Kind.choices)
    context.update(
        total=sum(counts.values()),
        kind_links=[{"kind": name, "label": labels[name], "count": count,
                     "url": _link(params, kind=name), "current": name == kind}
                    for name, count in counts.items()],
        all_url=_link(params, kind=""),
        group_choices=_choices(facets.groups, group and Ref(group.id, group.name, group.slug)),
        author_choices=_choices(facets.authors,
                                _author(user, data["author"], facets.authors)),
    )
    if kind:
        more_url = _link(params, cursor=page.next_cursor) if page.next_cursor else None
        context.update(page=page, more_url=more_url)
        if request.htmx and data["cursor"]:
            return render(request, "search/_page.html", context)
    else:
        for section in sections:
            section.url = _link(params, kind=section.kind)
        context["sections"] = sections
    return render(request, "search/results.html", context)


@login_required
def suggest(request):
    """The top bar's suggestions while typing: the first few of each kind."""
    query = request.GET.get("q", "")
    try:
        sections = selectors.overview(request.user, query, per_kind=SUGGESTIONS_PER_KIND,
                                      snippet_words=12)
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=400,
                            content_type="text/plain; charset=utf-8")
    results_url = reverse("search") + "?" + urlencode({"q": query})
    return render(request, "search/_suggestions.html",
                  {"sections": sections, "query": query, "results_url": results_url,
                   "count": sum(len(section.results) for section in sections)})
