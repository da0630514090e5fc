"""What PostgreSQL is asked: each term once. French and English often stem a word alike and a
prefix being typed is often its own stem, while the GIN index reads a repeated term once per
repetition (docs/benchmarks.md, "Search"); the union is folded when planning."""

import pytest
from django.db import connection

from search.query import parse, to_postgres
from tests.search.conftest import on_postgres

pytestmark = [pytest.mark.django_db, on_postgres]


def tsquery(text: str) -> str:
    sql, params = to_postgres(parse(text))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ({sql})::text", params)
        return cursor.fetchone()[0]


def test_a_prefix_stemmed_alike_in_every_configuration_is_asked_once():
    assert tsquery("proto") == "'proto':*"
    assert tsquery("protocole") == "'protocol':* | 'protocole':*"


def test_words_and_exclusions_stemmed_alike_are_asked_once():
    assert tsquery("hygiène mains ") == "'hygien' & 'main'"
    assert tsquery("sepsis -pédiatrie").count("'seps'") == 1


def test_phrases_that_stem_differently_keep_both_readings():
    assert tsquery('"hygiène des mains"') == "'hygien' <2> 'main' | 'hygien' <-> 'des' <-> 'main'"


def test_a_stop_word_alone_still_finds_nothing_without_error():
    assert tsquery("le ") in ("", "'le'")


def test_the_plan_holds_the_folded_query():
    sql, params = to_postgres(parse("proto"))
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN SELECT 1 FROM search_entry WHERE document @@ {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "'''proto'':*'::tsquery" in plan
    assert "to_tsquery" not in plan and "CASE" not in plan
