"""Who finds what: every result is filtered by what the viewer may see inside the query, so a
permission change counts from the next search, with nothing to reindex. Checked from both
sides: member and non-member, guest, removed member, secret group, deleted content, direct
conversations, the directory's rule for people, anonymous and deactivated accounts."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts import services as account_services
from chat import services as chat_services
from feed import services as feed_services
from groups import search_index as groups_index
from groups import services as group_services
from groups.models import Group
from search import selectors
from search.models import Entry
from tests.conftest import make_user
from tests.search.conftest import found, ids

pytestmark = pytest.mark.django_db


def post(author, group, body, **options):
    return feed_services.create_post(author=author, group=group, body=body, **options)


def kinds_found(user, q) -> set[str]:
    return {kind for kind, _pk in found(user, q)}


@pytest.fixture
def world(committed, user, other_user, guest, group, private_group, secret_group,
          shared_group):
    """Camille (user) owns every group; Hugo (other_user) is a staff member in none of them
    but the all-staff ones; Victor (guest) is in the shared group only."""
    with committed():
        for made_before in (group, private_group, secret_group, shared_group):
            groups_index.index_group(made_before)  # the fixtures ran outside committed()
        made = {
            "public": post(user, group, "Protocole transfusion en cardiologie"),
            "private": post(user, private_group, "Protocole transfusion des cadres"),
            "secret": post(user, secret_group, "Protocole transfusion de crise"),
            "shared": post(user, shared_group, "Protocole transfusion du projet"),
        }
    return made


def test_a_member_finds_the_content_of_all_their_groups(user, world):
    assert ids(user, "transfusion") == set(world_ids(world))


def world_ids(world, *names):
    return [world[name].id for name in (names or world)]


def test_a_staff_member_finds_public_groups_but_not_private_or_secret_ones(other_user, world):
    assert ids(other_user, "transfusion") == set(world_ids(world, "public"))


def test_a_guest_finds_only_the_content_of_their_shared_groups(guest, world):
    assert ids(guest, "transfusion") == set(world_ids(world, "shared"))


def test_a_guest_loses_a_group_closed_to_guests_at_once(committed, user, guest, world,
                                                        shared_group):
    with committed():
        group_services.update_group(actor=user, group=shared_group, allow_guests=False)
    assert ids(guest, "transfusion") == set()


def test_a_removed_member_stops_finding_a_groups_content_at_once(committed, user, other_user,
                                                                 private_group, world):
    with committed():
        group_services.add_member(actor=user, group=private_group, user=other_user)
    assert world["private"].id in ids(other_user, "transfusion")
    entries_before = Entry.objects.count()
    with committed():
        group_services.remove_member(actor=user, group=private_group, user=other_user)
    assert world["private"].id not in ids(other_user, "transfusion")
    assert Entry.objects.count() == entries_before  # nothing was reindexed for it


def test_an_organisation_admin_finds_every_groups_content(staff_user, world):
    assert ids(staff_user, "transfusion") == set(world_ids(world))


def test_secret_groups_are_found_by_their_members_only(user, other_user, guest, staff_user,
                                                       secret_group, world):
    assert ids(user, "cellule crise ", kind="group") == {secret_group.id}
    assert ids(staff_user, "cellule crise ", kind="group") == {secret_group.id}
    assert not ids(other_user, "cellule crise ", kind="group")
    assert not ids(guest, "cellule crise ", kind="group")
    assert not ids(other_user, "crise ")


def test_private_groups_are_found_by_name_but_their_content_is_not(other_user, guest,
                                                                   private_group, world):
    assert ids(other_user, "cadres ", kind="group") == {private_group.id}
    assert world["private"].id not in ids(other_user, "cadres ")
    assert ids(guest, "cadres ", kind="group") == set()


def test_deleted_posts_and_their_comments_are_no_longer_found(committed, user, group):
    with committed():
        doomed = post(user, group, "Consigne défibrillateur")
        comment = feed_services.add_comment(author=user, post=doomed, body="Défibrillateur vérifié")
    assert kinds_found(user, "défibrillateur") == {"post", "comment"}
    with committed():
        feed_services.delete_post(actor=user, post=doomed)
    assert found(user, "défibrillateur") == []
    assert not Entry.objects.filter(object_id__in=[doomed.id, comment.id]).exists()


def test_deleted_messages_are_no_longer_found(committed, user, group):
    channel = chat_services.ensure_channel(group)
    with committed():
        message, _ = chat_services.send_message(author=user, conversation=channel,
                                                body="Le scope du box 4 est en panne")
    assert ids(user, "scope panne", kind="message") == {message.id}
    with committed():
        chat_services.delete_message(actor=user, message=message)
    assert ids(user, "scope panne", kind="message") == set()


def test_direct_messages_are_found_by_their_participants_only(committed, user, other_user,
                                                              staff_user, guest):
    third = make_user("lea.leroy@hopital.example", "Léa Leroy", language="en")
    with committed():
        conversation, _ = chat_services.start_direct(user=user, user_ids=[other_user.id])
        message, _ = chat_services.send_message(author=user, conversation=conversation,
                                                body="Ton badge est à l'accueil")
    assert ids(user, "badge accueil", kind="message") == {message.id}
    assert ids(other_user, "badge accueil", kind="message") == {message.id}
    for outsider in (third, staff_user, guest):
        assert ids(outsider, "badge accueil", kind="message") == set()


def test_channel_messages_follow_the_group(committed, user, other_user, private_group, group):
    with committed():
        hidden, _ = chat_services.send_message(
            author=user, conversation=chat_services.ensure_channel(private_group),
            body="Réunion des cadres jeudi")
        shown, _ = chat_services.send_message(
            author=user, conversation=chat_services.ensure_channel(group),
            body="Réunion de service jeudi")
    assert ids(user, "réunion jeudi", kind="message") == {hidden.id, shown.id}
    assert ids(other_user, "réunion jeudi", kind="message") == {shown.id}


def test_people_follow_the_directory_rule(committed, user, other_user, guest, shared_group):
    with committed():
        for person in (user, other_user, guest):
            account_services.update_profile(user=person, job_title=person.job_title or "Chef")
    assert ids(other_user, "camille", kind="person") == {user.id}
    assert ids(other_user, "victor", kind="person") == {guest.id}
    # A guest sees only people who share a group with them.
    assert ids(guest, "camille", kind="person") == {user.id}
    assert ids(guest, "hugo", kind="person") == set()


def test_a_deactivated_person_is_no_longer_found(committed, user, other_user):
    with committed():
        account_services.update_profile(user=other_user, job_title="Technicien biomédical")
    assert ids(user, "hugo", kind="person") == {other_user.id}
    with committed():
        account_services.set_active(user=other_user, active=False)
    assert ids(user, "hugo", kind="person") == set()
    assert not Entry.objects.filter(kind="person", object_id=other_user.id).exists()


def test_a_person_deactivated_elsewhere_is_hidden_until_the_index_catches_up(committed, user,
                                                                            other_user):
    with committed():
        account_services.update_profile(user=other_user, job_title="Technicien biomédical")
    other_user.is_active = False
    other_user.save(update_fields=["is_active"])  # the admin site, say: no service involved
    assert ids(user, "hugo", kind="person") == set()


def test_anonymous_and_inactive_viewers_find_nothing(committed, user, group, world):
    assert found(AnonymousUser(), "transfusion") == []
    assert selectors.overview(AnonymousUser(), "transfusion") == []
    user.is_active = False
    assert found(user, "transfusion") == []


def test_archived_groups_stay_findable_and_say_so(committed, user, other_user, group, world):
    with committed():
        group_services.set_archived(actor=user, group=group, archived=True)
    assert world["public"].id in ids(other_user, "transfusion")
    [result] = selectors.search(other_user, "cardiologie ", kinds=["group"]).results
    assert result.extra["archived"] is True


def test_a_deleted_group_takes_its_entries_with_it(committed, user, group, world):
    Group.objects.filter(pk=group.pk).delete()  # no service deletes groups yet
    assert world["public"].id not in ids(user, "transfusion")
    assert not Entry.objects.filter(group_id=group.pk).exists()
    assert found(user, "cardiologie ") == []
