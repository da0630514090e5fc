"""The query parser: websearch rules, prefixes while typing, and nothing the user types ever
reaching either engine as syntax."""

import pytest

from search.query import Item, parse, to_fts5, to_postgres


def shape(text):
    query = parse(text)
    return ([[(item.text, item.prefix) for item in group] for group in query.groups],
            [item.text for item in query.excluded])


def test_words_are_all_required_and_the_last_one_is_a_prefix_while_typed():
    assert shape("hygiène des mains") == ([[("hygiène", False)], [("des", False)],
                                           [("mains", True)]], [])


def test_a_space_after_the_last_word_means_it_is_complete():
    assert shape("hygiène mains ") == ([[("hygiène", False)], [("mains", False)]], [])


def test_quotes_make_a_phrase_and_a_phrase_is_never_a_prefix():
    assert shape('"hygiène des mains"') == ([[("hygiène des mains", False)]], [])
    assert shape('"protocole sep') == ([[("protocole sep", False)]], [])


def test_minus_excludes_a_word_or_a_phrase():
    assert shape('sepsis -enfant -"soins palliatifs" adulte') == (
        [[("sepsis", False)], [("adulte", True)]], ["enfant", "soins palliatifs"])


def test_or_joins_its_neighbours_and_binds_tighter_than_and():
    assert shape("sepsis protocole OR procédure ") == (
        [[("sepsis", False)], [("protocole", False), ("procédure", False)]], [])
    assert shape("a or b ") == ([[("a", False), ("b", False)]], [])


@pytest.mark.parametrize("text", ["OR sepsis ", "sepsis OR ", "sepsis OR OR "])
def test_an_or_with_nothing_on_one_side_is_ignored(text):
    assert shape(text) == ([[("sepsis", False)]], [])


def test_a_one_letter_last_word_is_not_a_prefix():
    assert shape("vitamine b") == ([[("vitamine", False)], [("b", False)]], [])


@pytest.mark.parametrize("text", ['"', '""', "*", ":", "-", "- -", "(", ")", "NEAR", "OR",
                                  "AND", "^", "'", "\\", "&|!<->", "   ", ""])
def test_punctuation_and_operators_alone_leave_nothing_to_search(text):
    query = parse(text)
    assert not query.groups or all(item.words for item in query.items)
    assert text.strip() in ("NEAR", "AND") or not query


def test_only_exclusions_find_nothing():
    assert not parse("-sepsis")


def test_fts5_expression_quotes_every_word():
    assert to_fts5(parse('sepsis -"soins palliatifs" protocole OR NEAR(xy')) == (
        '("sepsis" AND ("protocole" OR "NEAR xy"*)) NOT ("soins palliatifs")')


def test_fts5_doubles_quotes_inside_words():
    assert to_fts5(parse('a"b ')) == '"a" AND "b"'
    assert '""' not in to_fts5(parse("l'hôpital"))


def test_postgres_expression_takes_the_text_as_parameters_only():
    sql, params = to_postgres(parse("sepsis'); DROP TABLE search_entry; -- prot"))
    assert "DROP" not in sql and "sepsis" not in sql
    assert "sepsis');" in params


def test_postgres_prefix_is_spelled_from_letters_and_digits_only():
    _sql, params = to_postgres(parse("covid-19 d'hygi"))
    assert "d <-> hygi:*" in params
    assert all("'" not in p for p in params if p.endswith(":*"))


def test_items_know_their_words():
    assert Item("covid-19 d'hygiène").words == ["covid", "19", "d", "hygiène"]


def test_a_very_long_text_keeps_a_bounded_number_of_terms():
    query = parse(" ".join(f"mot{i}" for i in range(500)))
    assert len(query.items) == 32
