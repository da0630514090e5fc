"""The results page and the top bar's suggestions."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.search.conftest import put

pytestmark = pytest.mark.django_db

URL = reverse("search")
SUGGEST = reverse("search_suggest")


@pytest.fixture
def content(user, other_user, group, private_group):
    return {
        "post": put(group=group, body="Protocole hygiène des mains révisé", author=user),
        "message": put("message", group=group, body="Hygiène: gel au poste", author=other_user),
        "document": put("document", group=group, title="hygiene-mains.pdf",
                        body="Friction hydro-alcoolique", extra={"file_type": "pdf"}),
        "hidden": put(group=private_group, body="Hygiène des cadres", author=user),
    }


def test_the_page_needs_a_signed_in_user(anonymous_client):
    response = anonymous_client.get(URL, {"q": "hygiène"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_without_a_query_the_page_explains_how_to_search(member_client):
    response = member_client.get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'aria-current="page"' in body and "Find anything you have access to" in body
    assert "-word to leave a word out" in body


def test_results_are_grouped_by_kind_with_counts_and_highlighted(member_client, content):
    response = member_client.get(URL, {"q": "hygiène"})
    body = response.content.decode()
    assert response.status_code == 200
    headings = re.findall(r'<h2 id="search-section-(\w+)">', body)
    assert headings == ["document", "post", "message"]
    assert "<mark>Hygiène</mark>" in body or "<mark>hygiène</mark>" in body
    assert f'href="/post/{content["post"]}/"' in body
    assert "All <span class=\"search-count\">4</span>" in body
    assert 'href="?q=hygi%C3%A8ne&amp;kind=post"' in body


def test_a_sections_show_all_link_names_its_kind_grammatically_in_french(member_client, user,
                                                                         group):
    user.language = "fr"
    user.save(update_fields=["language"])
    for n in range(5):
        put(group=group, body=f"Protocole hygiène numéro {n}", author=user)
    body = member_client.get(URL, {"q": "hygiène"}).content.decode()
    assert "Afficher les 5 résultats : Publications" in body


def test_other_peoples_groups_never_show(other_client, content):
    body = other_client.get(URL, {"q": "hygiène"}).content.decode()
    assert f'/post/{content["hidden"]}/' not in body and "cadres" not in body
    assert f'/post/{content["post"]}/' in body


def test_nothing_found_says_so(member_client, content):
    response = member_client.get(URL, {"q": "ornithorynque"})
    assert response.status_code == 200
    assert "Nothing found for “ornithorynque”." in response.content.decode()


def test_a_kind_lists_its_results_with_load_more(member_client, group):
    for i in range(25):
        put(group=group, body=f"Inventaire pharmacie {i}")
    response = member_client.get(URL, {"q": "inventaire", "kind": "post"})
    body = response.content.decode()
    assert body.count('class="search-result"') == 20
    more = re.search(r'hx-get="([^"]+)"', body).group(1).replace("&amp;", "&")
    assert "cursor=" in more
    rest = member_client.get(URL + more, headers={"HX-Request": "true"})
    fragment = rest.content.decode()
    assert rest.status_code == 200 and "<html" not in fragment
    assert fragment.count('class="search-result"') == 5
    assert "search-more" not in fragment
    assert "5 more results loaded" in fragment


def test_filters_and_sort_are_applied_and_kept_in_links(member_client, user, content, group):
    response = member_client.get(URL, {"q": "hygiène", "kind": "document",
                                       "file_type": "pdf", "sort": "date",
                                       "group": group.slug, "author": ""})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('class="search-result"') == 1
    assert f'href="/document/{content["document"]}/"' in body
    assert '<option value="pdf" selected>' in body
    assert f'<option value="{group.slug}" selected>' in body
    assert "file_type=pdf" in body and "sort=date" in body
    assert 'value="date" selected' in body


def test_the_author_filter_offers_the_authors_found(member_client, user, other_user, content):
    body = member_client.get(URL, {"q": "hygiène", "author": other_user.id}).content.decode()
    assert f'<option value="{other_user.id}" selected>Hugo Bernard (1)</option>' in body
    assert body.count('class="search-result"') == 1


@pytest.mark.parametrize(("params", "message"), [
    ({"q": "x", "after": "31/12/2025"}, "Enter a valid date."),
    ({"q": "x", "after": "2025-02-01", "before": "2025-01-01"}, "comes before its start"),
    ({"q": "x", "kind": "ticket"}, "Select a valid choice."),
    ({"q": "x", "group": "no-such-group"}, "no group with this address"),
    ({"q": "x", "author": "abc"}, "Enter a whole number."),
    ({"q": "x" * 300}, "256 characters at most"),
    ({"q": "x", "kind": "post", "cursor": "garbage"}, "cursor is not valid"),
])
def test_bad_input_gets_a_clear_error(member_client, content, params, message):
    response = member_client.get(URL, params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_hidden_group_is_refused_like_a_missing_one(other_client, secret_group, content):
    response = other_client.get(URL, {"q": "x", "group": secret_group.slug})
    assert response.status_code == 400
    assert "no group with this address" in response.content.decode()


def test_the_results_page_makes_a_constant_number_of_queries(member_client, group, user):
    def count(n):
        for i in range(n):
            put(group=group, body=f"Transmission {n} {i}", author=user)
            put("message", group=group, body=f"Transmission message {n} {i}", author=user)
        with CaptureQueriesContext(connection) as queries:
            response = member_client.get(URL, {"q": f"transmission {n}"})
        assert response.status_code == 200
        with CaptureQueriesContext(connection) as kind_queries:
            member_client.get(URL, {"q": f"transmission {n}", "kind": "message"})
        return len(queries), len(kind_queries)

    member_client.get(URL, {"q": "warm up"})  # the first request of a session reads more
    few, many = count(2), count(30)
    assert few == many
    assert many[0] <= 20 and many[1] <= 20


def test_suggestions_are_a_listbox_fragment_grouped_by_kind(member_client, content, user):
    response = member_client.get(SUGGEST, {"q": "hygi"})
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert body.count('role="group"') == 3
    # Two posts (two per kind at most), the document, the message, and "see all".
    assert body.count('role="option"') == 5
    assert 'data-url="/search/?q=hygi"' in body
    assert "<mark>" in body


def test_suggestions_for_nothing_are_empty(member_client):
    response = member_client.get(SUGGEST, {"q": ""})
    assert response.status_code == 200
    assert 'role="option"' not in response.content.decode()


def test_suggestions_refuse_a_query_past_the_limit(member_client):
    response = member_client.get(SUGGEST, {"q": "x" * 300})
    assert response.status_code == 400
    assert "256 characters at most" in response.content.decode()


def test_suggestions_need_a_signed_in_user(anonymous_client):
    assert anonymous_client.get(SUGGEST, {"q": "hygi"}).status_code == 302
