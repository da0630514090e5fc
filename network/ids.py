"""Row ids typed by people: in a query string, a form field, a cursor."""

# The largest id a bigint column holds: anything above it cannot name a row.
MAX_ID = 2**63 - 1


def parse_id(value) -> int | None:
    """``value`` as a row id (or a position: a seq, a cursor), or None when it cannot be one:
    an integer from 0 to a bigint's largest, written in ASCII digits ("²" is a digit to Python
    too). No row has id 0, so looking one up finds nothing, as for any missing row."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_ID else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        number = int(value)
        return number if number <= MAX_ID else None
    return None
