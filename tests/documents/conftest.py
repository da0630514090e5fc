"""Fixtures of the library tests. Nothing here is autouse: the extraction module's own tests
(test_extraction.py) run the real reader."""

import pytest

from groups import services as group_services
from tests.conftest import make_user


@pytest.fixture
def fake_extraction(monkeypatch):
    """The extraction module is tested on its own (tests/documents/test_extraction.py): here
    its ``extract`` reads text files and pretends for PDF, and says the rest is unsupported.
    The calls it received are returned."""
    from documents import extraction

    calls = []

    def extract(path, content_type):
        calls.append((path, content_type))
        if content_type.startswith("text/"):
            with open(path, encoding="utf-8") as handle:
                return handle.read()
        if content_type == "application/pdf":
            return "Protocole sepsis: antibiotics within the hour."
        raise extraction.UnsupportedType(content_type)

    monkeypatch.setattr(extraction, "extract", extract)
    return calls


@pytest.fixture
def member(other_user, group):
    """A plain member of ``group`` (``user`` owns it)."""
    group_services.add_member(actor=group.created_by, group=group, user=other_user)
    return other_user


@pytest.fixture
def outsider(db):
    return make_user("zoe.petit@hopital.example", "Zoé Petit", language="en")


@pytest.fixture
def private_member(other_user, private_group):
    group_services.add_member(actor=private_group.created_by, group=private_group,
                              user=other_user)
    return other_user
