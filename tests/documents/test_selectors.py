from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone

from documents import permissions, selectors, services
from groups import services as group_services
from tests.documents.helpers import add

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_extraction")]


@pytest.fixture
def library(user, group, private_group, secret_group, shared_group):
    """One document in each kind of group, all uploaded by ``user`` (who owns them all)."""
    return {name: add(user, target, f"{name}.pdf") for name, target in (
        ("public", group), ("private", private_group), ("secret", secret_group),
        ("shared", shared_group))}


def visible_names(person) -> set[str]:
    return {document.name for document in selectors.visible_documents(person)}


def test_member_sees_the_documents_of_the_groups_they_see(user, library):
    assert visible_names(user) == {"public.pdf", "private.pdf", "secret.pdf", "shared.pdf"}


def test_outsider_sees_only_public_groups_documents(outsider, library):
    assert visible_names(outsider) == {"public.pdf"}


def test_guest_sees_only_their_shared_groups_documents(guest, library):
    assert visible_names(guest) == {"shared.pdf"}


def test_guest_sees_nothing_once_the_group_is_closed_to_guests(user, guest, shared_group,
                                                              library):
    group_services.update_group(actor=user, group=shared_group, allow_guests=False)
    assert visible_names(guest) == set()


def test_removed_member_stops_seeing_a_private_groups_documents(user, private_member,
                                                                private_group, library):
    assert "private.pdf" in visible_names(private_member)
    group_services.remove_member(actor=user, group=private_group, user=private_member)
    assert visible_names(private_member) == {"public.pdf"}


def test_organisation_admin_sees_every_groups_documents(staff_user, library):
    assert len(visible_names(staff_user)) == 4


def test_anonymous_and_inactive_see_nothing(inactive_user, library):
    assert visible_names(AnonymousUser()) == set()
    assert visible_names(inactive_user) == set()


def test_trashed_documents_are_invisible(user, library):
    services.trash_document(actor=user, document=library["public"])
    assert "public.pdf" not in visible_names(user)
    with pytest.raises(Http404):
        permissions.access_document(user, library["public"].id)


@pytest.mark.parametrize("document_id", ["abc", "", None, "-1", "0", str(2**70), "1.5"])
def test_access_document_with_a_bad_id_is_404(user, document_id):
    with pytest.raises(Http404):
        permissions.access_document(user, document_id)


def test_access_document_is_404_for_hidden_and_missing_alike(outsider, library):
    for document in (library["private"], library["secret"], library["shared"]):
        with pytest.raises(Http404):
            permissions.access_document(outsider, document.id)
    assert permissions.access_document(outsider, library["public"].id) == library["public"]


def test_a_folder_lists_its_documents_by_name_in_pages(user, group):
    for name in ["b.pdf", "A.pdf", "c.pdf", "a2.pdf", "B2.pdf"]:
        add(user, group, name)
    first = selectors.folder_documents(group, None, size=2)
    second = selectors.folder_documents(group, None, after=first.next_after, size=2)
    third = selectors.folder_documents(group, None, after=second.next_after, size=2)
    names = [d.name for page in (first, second, third) for d in page.documents]
    assert names == ["A.pdf", "a2.pdf", "b.pdf", "B2.pdf", "c.pdf"]
    assert third.next_after is None


def test_a_bad_page_marker_shows_the_first_page(user, group):
    add(user, group)
    page = selectors.folder_documents(group, None, after="garbage")
    assert len(page.documents) == 1


def test_subfolders_count_live_documents_and_folders(user, group):
    folder = services.create_folder(actor=user, group=group, name="Protocols")
    services.create_folder(actor=user, group=group, name="Old", parent=folder)
    add(user, group, "a.pdf", folder=folder)
    trashed = add(user, group, "b.pdf", folder=folder)
    services.trash_document(actor=user, document=trashed)
    services.attachments_folder(group)
    rows = list(selectors.subfolders(group, None))
    assert [row.name for row in rows] == ["Attachments", "Protocols"]  # attachments first
    assert (rows[1].document_count, rows[1].folder_count) == (1, 1)


def test_listing_a_folder_costs_the_same_queries_for_many_documents(
        user, group, django_assert_max_num_queries):
    for number in range(30):
        add(user, group, f"{number}.pdf")
    with django_assert_max_num_queries(2):
        page = selectors.folder_documents(group, None)
        for document in page.documents:
            assert document.current_version.size and document.uploaded_by.display_name


def test_recent_documents_are_from_my_groups_newest_first(user, other_user, group,
                                                          private_group):
    first = add(user, private_group, "first.pdf")
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        second = add(user, group, "second.pdf")
    assert selectors.recent_documents(user) == [second, first]
    # other_user sees the public group but is not in it: not "my groups".
    assert selectors.recent_documents(other_user) == []


def test_libraries_count_live_documents(user, group, private_group):
    add(user, group)
    services.trash_document(actor=user, document=add(user, group))
    counts = {g.slug: g.document_count for g in selectors.libraries_for(user)}
    assert counts[group.slug] == 1 and counts[private_group.slug] == 0


def test_the_trash_shows_everything_to_admins_and_their_own_to_members(user, member, group):
    mine = add(member, group, "mine.pdf")
    theirs = add(user, group, "theirs.pdf")
    for document in (mine, theirs):
        services.trash_document(actor=user, document=document)
    assert permissions.trash_scope(user, group) is None
    assert set(selectors.trash_of(group, uploaded_by=None)) == {mine, theirs}
    assert permissions.trash_scope(member, group) == member
    assert list(selectors.trash_of(group, uploaded_by=member)) == [mine]


def test_the_trash_hides_what_is_past_restoring(user, group):
    document = add(user, group)
    services.trash_document(actor=user, document=document)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert list(selectors.trash_of(group)) == []
        with pytest.raises(Http404):
            permissions.access_trashed_document(user, document.id)


def test_who_may_open_the_trash(user, member, outsider, guest, group, shared_group):
    assert permissions.can_open_trash(user, group)
    assert permissions.can_open_trash(member, group)
    assert not permissions.can_open_trash(outsider, group)
    assert permissions.can_open_trash(guest, shared_group)


def test_folders_of_a_library_are_listed_with_their_paths(user, group):
    protocols = services.create_folder(actor=user, group=group, name="Protocols")
    services.create_folder(actor=user, group=group, name="Hygiene", parent=protocols)
    services.create_folder(actor=user, group=group, name="Forms")
    assert [path for _folder, path in selectors.folders_of(group)] == [
        "Forms", "Protocols", "Protocols / Hygiene"]


def test_a_folder_of_a_hidden_group_is_404(user, outsider, private_group, group):
    folder = services.create_folder(actor=user, group=private_group, name="Secret")
    with pytest.raises(Http404):
        permissions.access_folder(outsider, private_group, folder.id)
    with pytest.raises(Http404):  # a folder of another group through this one
        permissions.access_folder(user, group, folder.id)
