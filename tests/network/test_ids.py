import pytest

from network.ids import MAX_ID, parse_id


@pytest.mark.parametrize(("value", "expected"), [
    ("42", 42), (42, 42), ("0", 0), (str(MAX_ID), MAX_ID),
    (str(MAX_ID + 1), None), ("-1", None), (-1, None), ("²", None), ("١٢", None),
    ("4 2", None), ("", None), (None, None), (True, None), ("9" * 40, None), (1.0, None),
])
def test_parse_id_accepts_only_ascii_digits_within_a_bigint(value, expected):
    assert parse_id(value) == expected
