"""notifications' answers to the groups hooks: being added to a group, join requests and
their answers (notifications/receivers.py)."""

import ast
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from groups import services as group_services
from groups.models import JoinRequest, Membership
from notifications import selectors
from notifications.models import Notification
from notifications.texts import describe
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
Role = Membership.Role


def received(person, kind=None):
    notifications = Notification.objects.filter(recipient=person)
    return notifications.filter(kind=kind) if kind else notifications


@pytest.fixture
def group_admin(private_group):
    admin = make_user("nora.lambert@hopital.example", "Nora Lambert", language="en")
    group_services.add_member(actor=private_group.created_by, group=private_group, user=admin,
                              role=Role.ADMIN)
    Notification.objects.all().delete()
    return admin


@pytest.fixture
def plain_member(private_group):
    member = make_user("paul.roux@hopital.example", "Paul Roux", language="en")
    group_services.add_member(actor=private_group.created_by, group=private_group, user=member)
    Notification.objects.all().delete()
    return member


# --- Added to a group -----------------------------------------------------------------------------

def test_the_person_added_to_a_group_is_told_who_added_them(user, other_user, private_group):
    group_services.add_member(actor=user, group=private_group, user=other_user)
    notification = received(other_user).get()
    assert (notification.kind, notification.actor, notification.group) == (
        Kind.INVITATION, user, private_group)
    assert notification.url == reverse("groups:detail", args=[private_group.slug])
    assert describe(notification) == "Camille Martin added you to Cadres de santé"
    assert not received(user).exists()


def test_inviting_an_existing_account_by_email_tells_them(user, other_user, group):
    group_services.invite(actor=user, group=group, email="HUGO.bernard@hopital.example",
                          role=Role.ADMIN)
    assert received(other_user, Kind.INVITATION).get().actor == user


def test_joining_by_oneself_notifies_no_one(user, other_user, group):
    group_services.join_group(user=other_user, group=group)
    assert not Notification.objects.exists()


def test_an_admin_adding_themselves_is_not_notified(staff_user, private_group):
    group_services.add_member(actor=staff_user, group=private_group, user=staff_user)
    assert not Notification.objects.exists()


def test_a_failed_addition_notifies_no_one(user, other_user, guest, group):
    group_services.add_member(actor=user, group=group, user=other_user)
    Notification.objects.all().delete()
    with pytest.raises(ValidationError):
        group_services.add_member(actor=user, group=group, user=other_user)  # already in
    with pytest.raises(ValidationError):
        group_services.add_member(actor=user, group=group, user=guest)  # not open to guests
    assert not Notification.objects.exists()


def test_invitations_of_new_accounts_and_the_all_staff_group_notify_no_one(user, staff_user,
                                                                         group):
    group_services.create_group(creator=staff_user, name="Tout le personnel",
                                is_all_staff=True)
    group_services.invite(actor=staff_user, group=group, email="new.person@hopital.example")
    newcomer = make_user("new.person@hopital.example", "New Person")
    assert Membership.objects.filter(user=newcomer).count() == 2  # all staff, and the seat
    assert not received(newcomer).exists()


def test_a_guest_is_told_about_the_shared_group_only(user, guest, shared_group, private_group):
    assert received(guest, Kind.INVITATION).get().group == shared_group
    group_services.update_group(actor=user, group=shared_group, allow_guests=False)
    assert selectors.unread_count(guest) == 0  # gone with the group they can no longer see


# --- Join requests --------------------------------------------------------------------------------

def test_a_join_request_notifies_the_groups_owners_and_admins_only(user, other_user, staff_user,
                                                                  group_admin, plain_member,
                                                                  private_group):
    join_request = group_services.request_to_join(user=other_user, group=private_group,
                                                  message="Je remplace Mme Duval")
    notified = Notification.objects.filter(kind=Kind.JOIN_REQUEST)
    assert sorted(notified.values_list("recipient_id", flat=True)) == sorted(
        [user.id, group_admin.id])
    notification = notified.get(recipient=user)
    assert notification.actor == other_user
    assert (notification.target_type, notification.target_id) == ("join_request",
                                                                   join_request.id)
    assert notification.url == reverse("groups:detail", args=[private_group.slug]) + \
        "#join-requests"
    assert notification.title == "Je remplace Mme Duval"
    assert describe(notification) == "Hugo Bernard asked to join Cadres de santé"
    assert not received(plain_member).exists() and not received(staff_user).exists()
    assert not received(other_user).exists()


def test_the_join_request_link_opens_the_requests_card(member_client, other_user, private_group):
    group_services.request_to_join(user=other_user, group=private_group)
    page = member_client.get(reverse("groups:detail", args=[private_group.slug]))
    assert 'id="join-requests"' in page.content.decode()


def test_approving_tells_the_requester_and_reads_every_admins_notification(
        user, other_user, group_admin, private_group, sent_events):
    join_request = group_services.request_to_join(user=other_user, group=private_group)
    with sent_events.after_commit():
        group_services.decide_join_request(actor=group_admin, join_request=join_request,
                                           approve=True)
    approval = received(other_user).get()
    assert (approval.kind, approval.actor, approval.target_type) == (
        Kind.INVITATION, group_admin, "join_request")
    assert approval.url == reverse("groups:detail", args=[private_group.slug])
    assert describe(approval) == "Nora Lambert approved your request to join Cadres de santé"
    assert not Notification.objects.filter(kind=Kind.JOIN_REQUEST, read_at__isnull=True).exists()
    # Each admin's badge goes down at once.
    assert f"user.{user.id}" in sent_events.streams("notification.read")
    assert not received(group_admin, Kind.INVITATION).exists()


def test_a_denied_requester_hears_nothing_and_the_request_is_read(user, other_user,
                                                                  private_group):
    join_request = group_services.request_to_join(user=other_user, group=private_group)
    group_services.decide_join_request(actor=user, join_request=join_request, approve=False)
    assert not received(other_user).exists()
    assert received(user, Kind.JOIN_REQUEST).get().read_at is not None


def test_a_withdrawn_request_leaves_no_notification(user, other_user, private_group):
    group_services.request_to_join(user=other_user, group=private_group)
    group_services.cancel_join_request(user=other_user, group=private_group)
    assert JoinRequest.objects.get().status == JoinRequest.Status.CANCELLED
    assert not Notification.objects.exists()


def test_a_request_answered_by_direct_addition_gives_one_notification(user, other_user,
                                                                      private_group):
    group_services.request_to_join(user=other_user, group=private_group)
    group_services.add_member(actor=user, group=private_group, user=other_user)
    assert [n.kind for n in received(other_user)] == [Kind.INVITATION]


def test_a_join_request_to_a_group_with_a_guest_never_reaches_the_guest(user, other_user, guest,
                                                                       shared_group):
    Notification.objects.all().delete()
    group_services.request_to_join(user=other_user, group=shared_group)
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [user.id]


def test_notifications_about_groups_follow_the_group_level(user, other_user, private_group):
    from notifications import services

    group_services.add_member(actor=user, group=private_group, user=other_user)
    services.set_group_level(user=user, group=private_group, level="nothing")
    third = make_user("lea.petit@hopital.example", "Léa Petit")
    group_services.request_to_join(user=third, group=private_group)
    assert not received(user, Kind.JOIN_REQUEST).exists()


# --- Dependencies point one way -------------------------------------------------------------------

def test_groups_does_not_import_notifications():
    root = Path(__file__).resolve().parents[2] / "groups"
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(name.split(".")[0] == "notifications" for name in names), path


# --- What the texts say ---------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "target_type", "with_group", "text"), [
    (Kind.INVITATION, "group", True, "Camille Martin added you to Cardiologie"),
    (Kind.INVITATION, "join_request", True,
     "Camille Martin approved your request to join Cardiologie"),
    (Kind.JOIN_REQUEST, "join_request", True, "Camille Martin asked to join Cardiologie"),
    (Kind.REACTION, "post", True, "Camille Martin reacted to your post in Cardiologie"),
    (Kind.REACTION, "message", True, "Camille Martin reacted to your message in Cardiologie"),
    (Kind.REACTION, "message", False, "Camille Martin reacted to your message"),
    (Kind.MENTION, "message", True, "Camille Martin mentioned you in Cardiologie"),
    (Kind.MENTION, "message", False, "Camille Martin mentioned you in a conversation"),
    (Kind.REPLY, "message", False, "Camille Martin replied in a thread you follow"),
    (Kind.DIRECT_MESSAGE, "message", False, "Camille Martin sent you a message"),
    (Kind.ACKNOWLEDGEMENT_DUE, "post", True,
     "The deadline to acknowledge an announcement in Cardiologie is near"),
])
def test_each_notification_says_what_happened(user, group, kind, target_type, with_group, text):
    notification = Notification(kind=kind, actor=user, group=group if with_group else None,
                                target_type=target_type, target_id=1)
    assert describe(notification) == text

