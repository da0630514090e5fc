from datetime import UTC, datetime, timedelta, timezone

import pytest
import time_machine
from django.core.exceptions import ValidationError

from network import keyset
from network.models import Event


@pytest.mark.parametrize("created", [
    datetime(2025, 3, 14, 9, 26, 53, 589793, tzinfo=UTC),
    datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC),
    datetime(1970, 1, 1, tzinfo=UTC),
    datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2099, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
])
def test_encode_decode_round_trip_keeps_every_microsecond(created):
    assert keyset.decode(keyset.encode(created, 42)) == (created, 42)


def test_encode_is_the_same_instant_whatever_the_time_zone():
    paris = timezone(timedelta(hours=2))
    instant = datetime(2025, 6, 1, 12, 0, 0, 1, tzinfo=UTC)
    assert keyset.encode(instant, 1) == keyset.encode(instant.astimezone(paris), 1)
    assert keyset.encode(instant, 1) == "1748779200000001.1"


@pytest.mark.parametrize("cursor", ["", ".", "abc", "12", "12.", ".12", "1.2.3", "1.x", "x.1",
                                    "1e5.1", "9" * 40 + ".1", "-" + "9" * 40 + ".1"])
def test_a_bad_cursor_is_a_validation_error(cursor):
    with pytest.raises(ValidationError) as error:
        keyset.decode(cursor)
    assert "cursor" in error.value.message_dict


# --- paging a real table --------------------------------------------------------------------------

@pytest.fixture
def events(db):
    """Nine rows: three at each of three instants, so ties must be broken by id."""
    base = datetime(2025, 1, 1, 8, 0, tzinfo=UTC)
    rows = []
    for minute in (1, 2, 3):
        with time_machine.travel(base + timedelta(minutes=minute), tick=False):
            rows += [Event.objects.create(stream="s", type="t", data={}) for _ in range(3)]
    return rows


def all_pages(queryset, size):
    seen, cursor, pages = [], None, 0
    while True:
        rows, cursor = keyset.page(queryset, cursor, size)
        seen += [row.id for row in rows]
        pages += 1
        if cursor is None:
            return seen, pages


@pytest.mark.parametrize("size", [1, 2, 3, 4, 8, 9, 20])
def test_pages_are_disjoint_complete_and_newest_first(events, size):
    expected = [e.id for e in sorted(events, key=lambda e: (e.created, e.id), reverse=True)]
    seen, pages = all_pages(Event.objects.all(), size)
    assert seen == expected
    assert pages == max(1, -(-len(events) // size))


def test_older_than_without_a_cursor_is_everything(events):
    assert keyset.older_than(Event.objects.all(), None).count() == 9


def test_an_empty_table_is_one_empty_page(db):
    assert keyset.page(Event.objects.all(), None, 5) == ([], None)
