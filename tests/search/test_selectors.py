"""Finding things: French and English text, accents, phrases, exclusions, OR, prefixes,
stemming (PostgreSQL), hostile queries, snippets, ranking, filters and keyset paging, on
whichever backend the suite runs (SQLite by default, PostgreSQL with DATABASE_URL)."""

import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from search import selectors
from tests.search.conftest import at, found, ids, on_postgres, on_sqlite, put

pytestmark = pytest.mark.django_db

HYGIENE = "Procédure d'hygiène des mains avant et après chaque contact patient"


@pytest.fixture
def library(group):
    return {
        "hygiene": put(group=group, body=HYGIENE),
        "sepsis": put(group=group, title="Protocole sepsis adulte",
                      body="Prise en charge du sepsis chez l'adulte aux urgences"),
        "sepsis_child": put(group=group, body="Sepsis de l'enfant: protocole pédiatrique"),
        "nurse": put(group=group, body="The night nurse checks the infusion pumps"),
        "covid": put(group=group, body="Vaccination covid-19 du personnel soignant"),
        "other": put(group=group, body="Menu de la cafétéria de la semaine"),
    }


@pytest.mark.parametrize("q", ["hygiene des mains", "Hygiène des mains", "mains hygiène",
                               "HYGIÈNE", "hygiene mains ", "procedure hygiene"])
def test_accents_case_and_word_order_do_not_matter(user, library, q):
    assert ids(user, q) == {library["hygiene"]}


def test_a_phrase_needs_its_words_together_and_in_order(user, library):
    assert ids(user, '"hygiène des mains"') == {library["hygiene"]}
    assert ids(user, '"mains des hygiène"') == set()


def test_a_word_with_a_hyphen_is_found_as_written(user, library):
    assert ids(user, "covid-19 ") == {library["covid"]}


def test_minus_leaves_out_what_mentions_a_word(user, library):
    assert ids(user, "sepsis ") == {library["sepsis"], library["sepsis_child"]}
    assert ids(user, "sepsis -enfant") == {library["sepsis"]}
    assert ids(user, 'sepsis -"prise en charge"') == {library["sepsis_child"]}


def test_or_accepts_either_word(user, library):
    assert ids(user, "cafétéria OR infusion") == {library["other"], library["nurse"]}
    assert ids(user, "sepsis adulte OR pédiatrique ") == {library["sepsis"],
                                                          library["sepsis_child"]}


def test_the_last_word_matches_as_a_prefix_while_typed(user, library):
    assert ids(user, "hygi") == {library["hygiene"]}
    assert ids(user, "mains hyg") == {library["hygiene"]}
    assert ids(user, "nurse pum") == {library["nurse"]}
    # Once the word is complete (a space after it), it must match whole.
    assert ids(user, "hygi ") == set()


def test_english_text_is_found(user, library):
    assert ids(user, "night nurse") == {library["nurse"]}


@on_postgres
@pytest.mark.parametrize(("q", "key"), [("protocoles", "sepsis_child"), ("nurses", "nurse"),
                                        ("checked", "nurse"), ("vaccinations", "covid"),
                                        ("procédures", "hygiene")])
def test_postgres_stems_french_and_english(user, library, q, key):
    assert library[key] in ids(user, q + " ")


@on_postgres
def test_postgres_ignores_stop_words(user, library):
    assert ids(user, "the nurse ") == {library["nurse"]}


@on_sqlite
def test_sqlite_does_not_stem_but_finds_prefixes(user, library):
    assert ids(user, "nurses ") == set()
    assert ids(user, "protocoles ") == set()
    assert ids(user, "protoc") == {library["sepsis"], library["sepsis_child"]}


HOSTILE = ['"', '""', "'", "*", ":", "-", "(", ")", "NEAR(", "NEAR(a b)", "a:*", "a & b",
           "!!a", "a <-> b", "a OR", "OR", "AND NOT", "title:sepsis", "sepsis*", "^sepsis",
           "'); DROP TABLE search_entry; --", "\\", "%", "_", "\\'", "∞ ²",
           "\U0001d530\U0001d522\U0001d52d",
           "sepsis\x00", "-sepsis", "- sepsis", '"sepsis', "sepsis\"", "a" * 200]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_give_results_or_none_never_an_error(user, library, q):
    page = selectors.search(user, q)
    sections = selectors.overview(user, q)
    assert isinstance(page.results, list) and isinstance(sections, list)
    selectors.summary(user, q)


def test_hostile_text_keeps_its_meaning(user, library):
    assert ids(user, "sepsis*") == {library["sepsis"], library["sepsis_child"]}
    assert ids(user, "title:sepsis ") == set()  # no column filters: "title" is a word here
    assert ids(user, "-sepsis") == set()


def test_a_query_past_the_limit_is_refused_naming_it(user, library, settings):
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "search_query_chars": 20}
    with pytest.raises(ValidationError) as error:
        selectors.search(user, "x" * 21)
    assert "20 characters at most" in str(error.value)


def test_snippets_escape_the_text_and_mark_the_hits(user, group):
    put(group=group, title="<b>Alerte</b> sepsis",
        body="Le <script>alert('sepsis')</script> protocole & la check-list sepsis")
    result = selectors.search(user, "sepsis").results[0]
    assert "<" not in re.sub(r"</?mark>", "", result.snippet + result.title_html)
    assert "&lt;/script&gt;" in result.snippet
    assert "<mark>sepsis</mark>" in result.snippet
    assert "&amp;" in result.snippet
    assert result.title_html == "&lt;b&gt;Alerte&lt;/b&gt; <mark>sepsis</mark>"
    assert result.title == "<b>Alerte</b> sepsis"


def test_text_cannot_forge_highlighting(user, group):
    put(group=group, body="sepsis \x01fake\x02 marks")
    result = selectors.search(user, "sepsis").results[0]
    assert result.snippet.count("<mark>") == 1


def test_a_title_match_ranks_above_a_body_match(user, group):
    in_body = put(group=group, body="Rappel: le protocole sepsis a changé cette semaine")
    in_title = put(group=group, title="Sepsis", body="Nouveau protocole, voir pièce jointe")
    assert [pk for _kind, pk in found(user, "sepsis ")] == [in_title, in_body]


def test_keyset_paging_by_relevance_visits_every_result_once(user, group):
    made = {put(group=group, body=f"Garde de nuit numéro {i} " + "garde " * (i % 4))
            for i in range(23)}
    pages, cursor = [], None
    while True:
        page = selectors.search(user, "garde", limit=5, cursor=cursor)
        pages.append([r.id for r in page.results])
        cursor = page.next_cursor
        if not cursor:
            break
    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    seen = [pk for page in pages for pk in page]
    assert sorted(seen) == sorted(made)
    ranks = [r.rank for r in selectors.search(user, "garde", limit=30).results]
    assert ranks == sorted(ranks, reverse=True)


def test_keyset_paging_by_date_goes_newest_first(user, group):
    same_time = at(2025, 3, 1)
    made = [put(group=group, body=f"Astreinte {i}", created=same_time if i < 4 else at(2025, 3, i))
            for i in range(10)]
    result = [pk for _k, pk in found(user, "astreinte", sort="date", limit=3)]
    assert len(result) == len(set(result)) == 10
    created = [r.created for r in selectors.search(user, "astreinte", sort="date",
                                                    limit=10).results]
    assert created == sorted(created, reverse=True)
    assert set(result) == set(made)


@pytest.mark.parametrize("cursor", [
    "nope", "W10", "eyJyIjoxfQ", "WyJkIiwgMSwgMV0", "WyJyIiwgIk5hTiIsIDFd",
    "WyJyIiwgMSwgOTk5OTk5OTk5OTk5OTk5OTk5OTk5XQ"])
def test_a_bad_cursor_is_refused(user, library, cursor):
    with pytest.raises(ValidationError) as error:
        selectors.search(user, "sepsis", cursor=cursor)
    assert "cursor" in error.value.message_dict


def test_filters_narrow_by_kind_group_author_and_period(user, other_user, group,
                                                        private_group):
    in_group = put(group=group, body="Inventaire du chariot d'urgence", author=user,
                   created=at(2025, 1, 10))
    elsewhere = put("announcement", group=private_group, body="Inventaire annuel",
                    author=other_user, created=at(2025, 2, 20))
    assert ids(user, "inventaire", kinds=["post"]) == {in_group}
    assert ids(user, "inventaire", kind="announcement", kinds=["announcement"]) == {elsewhere}
    assert ids(user, "inventaire", group=group) == {in_group}
    assert ids(user, "inventaire", author=other_user, kind="announcement") == {elsewhere}
    assert ids(user, "inventaire", after=date(2025, 2, 1), kind="announcement") == {elsewhere}
    assert ids(user, "inventaire", before=date(2025, 1, 10)) == {in_group}
    assert ids(user, "inventaire", before="2025-01-09") == set()


def test_file_type_narrows_documents(user, group):
    pdf = put("document", group=group, title="sepsis.pdf", body="Protocole sepsis",
              extra={"file_type": "pdf"})
    put("document", group=group, title="sepsis.docx", body="Protocole sepsis",
        extra={"file_type": "doc"})
    assert ids(user, "sepsis", kind="document", file_type="pdf") == {pdf}


@pytest.mark.parametrize(("options", "field"), [
    ({"kinds": ["posts"]}, "kind"), ({"after": "yesterday"}, "after"),
    ({"before": "2025-13-01"}, "before"), ({"file_type": "exe"}, "file_type"),
    ({"after": "2025-02-01", "before": "2025-01-01"}, "before"), ({"sort": "random"}, "sort"),
    ({"before": "9999-12-31"}, "before"), ({"after": "0001-01-01"}, "after"),
])
def test_bad_filters_are_refused_naming_the_filter(user, library, options, field):
    with pytest.raises(ValidationError) as error:
        selectors.search(user, "sepsis", **options)
    assert field in error.value.message_dict


def test_overview_gives_the_first_of_each_kind_with_counts(user, group):
    for i in range(5):
        put(group=group, body=f"Sepsis note {i}")
    put("document", group=group, title="Sepsis.pdf", body="")
    put("announcement", group=group, body="Sepsis: nouvelle procédure")
    sections = selectors.overview(user, "sepsis", per_kind=3)
    assert [(s.kind, s.count, len(s.results)) for s in sections] == [
        ("document", 1, 1), ("announcement", 1, 1), ("post", 5, 3)]
    assert selectors.summary(user, "sepsis", kinds=["post"]).counts == {
        "document": 1, "announcement": 1, "post": 5}


def test_overview_sorted_by_date_shows_the_newest(user, group):
    old = put(group=group, body="Sepsis", created=at(2024, 1, 1))
    new = put(group=group, body="Sepsis", created=at(2025, 1, 1))
    [section] = selectors.overview(user, "sepsis", per_kind=1, sort="date")
    assert [r.id for r in section.results] == [new]
    assert old != new


def test_facets_count_groups_and_authors_of_what_matches(user, other_user, group,
                                                         private_group):
    put(group=group, body="Transmission ciblée", author=user)
    put(group=group, body="Transmission orale", author=other_user)
    put(group=private_group, body="Transmission écrite", author=user)
    facets = selectors.summary(user, "transmission", group=group).facets
    # Each facet ignores its own filter: the other group is offered, most results first.
    assert [(ref.name, n) for ref, n in facets.groups] == [("Cardiologie", 2),
                                                          ("Cadres de santé", 1)]
    assert sorted((ref.name, n) for ref, n in facets.authors) == [("Camille Martin", 1),
                                                                  ("Hugo Bernard", 1)]


def test_counts_and_facets_each_ignore_their_own_filter_and_apply_the_others(
        user, other_user, group, private_group, django_assert_num_queries):
    for where, who, kind in [(group, user, "post"), (group, user, "post"),
                             (group, user, "comment"), (group, other_user, "post"),
                             (private_group, user, "post"), (private_group, user, "comment"),
                             (private_group, other_user, "comment")]:
        put(kind, group=where, body="Transmission", author=who)
    put(group=group, body="Sans rapport", author=user)
    with django_assert_num_queries(2):  # the reader's scope, then one pass over the matches
        found = selectors.summary(user, "transmission", kinds=["post"], group=group,
                                  author=user.id)
    # By kind: Camille's in Cardiologie, whatever the kind.
    assert found.counts == {"post": 2, "comment": 1}
    # By group: Camille's posts, whatever the group.
    assert [(ref.name, n) for ref, n in found.facets.groups] == [("Cardiologie", 2),
                                                                ("Cadres de santé", 1)]
    # By author: posts in Cardiologie, whoever wrote them.
    assert [(ref.name, n) for ref, n in found.facets.authors] == [("Camille Martin", 2),
                                                                 ("Hugo Bernard", 1)]


def test_a_hit_deep_in_a_long_document_is_in_its_snippet(user, group):
    filler = "Le service organise la semaine et les équipes se relaient. " * 200
    put("document", group=group, title="Procédure", body=filler + "Surveiller l'Hygiène "
        "des mains au bloc. " + filler)
    result = selectors.search(user, "hygiene").results[0]
    assert "<mark>Hygiène</mark>" in result.snippet


def test_hit_stems_fold_accents_and_case_and_drop_endings():
    from search.backends import hit_stems

    query = selectors.parse_query('Hygiène "pompes à perfusion" -sepsis protocoles')
    assert hit_stems(query) == ["hygie", "pomp", "perfusi", "protocol"]
