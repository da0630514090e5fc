"""Documents in search: the words inside a file are found, permission-exact, and a document in
the trash is not (issue #5). Uses the real text extraction."""

import pytest

from documents import services
from groups import services as group_services
from search.selectors import search
from tests.documents.helpers import add, pdf_bytes

pytestmark = pytest.mark.django_db


def found(person, q, **filters):
    return [(r.kind, r.id) for r in search(person, q, **filters).results]


@pytest.fixture
def sepsis(user, private_group, django_capture_on_commit_callbacks):
    """A PDF in a private group whose only mention of "vancomycine" is inside the file."""
    with django_capture_on_commit_callbacks(execute=True):
        result = add(user, private_group, "Protocole.pdf",
                     pdf_bytes("Administrer vancomycine dans l heure"))
    return result


def test_a_word_only_inside_the_pdf_finds_the_document(user, sepsis):
    assert found(user, "vancomycine") == [("document", sepsis.id)]
    assert found(user, "vancomycine", kinds=["document"], file_type="pdf") == [
        ("document", sepsis.id)]


def test_outsiders_and_guests_never_find_it(other_user, guest, sepsis):
    assert found(other_user, "vancomycine") == []
    assert found(guest, "vancomycine") == []


def test_a_member_finds_it_and_stops_when_removed(user, other_user, private_group, sepsis):
    group_services.add_member(actor=user, group=private_group, user=other_user)
    assert found(other_user, "vancomycine") == [("document", sepsis.id)]
    group_services.remove_member(actor=user, group=private_group, user=other_user)
    assert found(other_user, "vancomycine") == []


def test_a_trashed_document_is_not_found_until_restored(user, sepsis,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.trash_document(actor=user, document=sepsis)
    assert found(user, "vancomycine") == []
    with django_capture_on_commit_callbacks(execute=True):
        services.restore_document(actor=user, document=sepsis)
    assert found(user, "vancomycine") == [("document", sepsis.id)]


def test_a_renamed_document_is_found_by_its_new_name(user, sepsis,
                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.update_document(actor=user, document=sepsis, name="Antibiothérapie.pdf")
    assert found(user, "antibiotherapie") == [("document", sepsis.id)]
