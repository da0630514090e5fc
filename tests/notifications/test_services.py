import pytest
from django.core import mail
from django.db import transaction
from django.utils import translation

from groups import services as group_services
from network.models import Event
from notifications import delivery, services
from notifications.models import Notification
from notifications.texts import describe
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


def target(group=None, *, id=7, title="Nouveau protocole"):
    return services.Target(type="post", id=id, url=f"/posts/{id}/", title=title,
                           group_id=group.id if group else None)


def recipients(notifications):
    return sorted(n.recipient_id for n in notifications)


# --- notify -------------------------------------------------------------------------------------

def test_notify_creates_one_notification_per_recipient(user, other_user, staff_user, group):
    created = services.notify([other_user, staff_user.id], Kind.MENTION, target(group), actor=user)
    assert recipients(created) == sorted([other_user.id, staff_user.id])
    notification = Notification.objects.get(recipient=other_user)
    assert (notification.kind, notification.actor, notification.group) == (Kind.MENTION, user,
                                                                           group)
    assert (notification.target_type, notification.target_id, notification.url) == (
        "post", 7, "/posts/7/")
    assert notification.is_unread and notification.emailed_at is None


def test_notify_drops_the_actor(user, other_user, group):
    created = services.notify([user, other_user], Kind.REPLY, target(group), actor=user)
    assert recipients(created) == [other_user.id]


def test_notify_drops_inactive_users(user, other_user, inactive_user):
    created = services.notify([other_user, inactive_user], Kind.MENTION, target(), actor=user)
    assert recipients(created) == [other_user.id]


def test_notify_drops_users_who_cannot_see_the_target_group(user, other_user, guest,
                                                            private_group, shared_group):
    assert services.notify([other_user, guest], Kind.MENTION, target(private_group),
                           actor=user) == []
    group_services.add_member(actor=user, group=private_group, user=other_user)
    created = services.notify([other_user, guest], Kind.MENTION, target(private_group), actor=user)
    assert recipients(created) == [other_user.id]
    created = services.notify([other_user, guest], Kind.MENTION, target(shared_group), actor=user)
    assert recipients(created) == [guest.id]


def test_notify_of_a_deleted_group_notifies_no_one(user, other_user, group):
    gone = target(group)
    group.delete()
    assert services.notify([other_user], Kind.MENTION, gone, actor=user) == []
    assert not Notification.objects.exists()


def test_notify_keeps_titles_short(user, other_user):
    [notification] = services.notify([other_user], Kind.MENTION, target(title="x" * 500),
                                     actor=user)
    notification.refresh_from_db()
    assert len(notification.title) == 300


def test_notify_sends_notification_created_to_each_recipient_after_commit(user, other_user,
                                                                          staff_user,
                                                                          sent_events):
    with sent_events.after_commit():
        created = services.notify([other_user, staff_user], Kind.MENTION, target(), actor=user,
                                  urgent=True)
        assert not Event.objects.exists()
    events = sent_events.of_type("notification.created")
    assert {e["stream"] for e in events} == {f"user.{other_user.id}", f"user.{staff_user.id}"}
    assert {e["data"]["notification"]["id"] for e in events} == {n.id for n in created}
    assert all(e["data"]["notification"]["urgent"] for e in events)
    stored = Event.objects.filter(type="notification.created")
    assert sorted(stored.values_list("stream", flat=True)) == sorted(
        f"user.{p.id}" for p in (other_user, staff_user))


def test_notify_sends_nothing_when_the_transaction_rolls_back(user, other_user, sent_events):
    with sent_events.after_commit(), pytest.raises(RuntimeError), transaction.atomic():
        services.notify([other_user], Kind.MENTION, target(), actor=user, email=True)
        raise RuntimeError
    assert len(sent_events) == 0
    assert mail.outbox == []
    assert not Notification.objects.exists()


# --- email --------------------------------------------------------------------------------------

def test_notify_by_email_sends_after_commit_and_marks_them_emailed(
        user, other_user, group, django_capture_on_commit_callbacks):
    group_services.join_group(user=other_user, group=group)
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = services.notify([other_user], Kind.ANNOUNCEMENT_REMINDER, target(group),
                                         actor=user, email=True)
        assert mail.outbox == []
    [email] = mail.outbox
    assert email.to == [other_user.email]
    assert email.subject == describe(notification)
    assert f"http://example.com/notifications/{notification.id}/open/" in email.body
    assert "Nouveau protocole" in email.alternatives[0][0]
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_delivering_twice_emails_each_notification_once(
        user, other_user, staff_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.notify([other_user, staff_user], Kind.MENTION, target(), actor=user)
    sent = len(mail.outbox)
    assert delivery.deliver_to(other_user.id).emailed == 0
    assert delivery.deliver_to(staff_user.id).emailed == 0
    assert len(mail.outbox) == sent == 2
    assert sorted(address for email in mail.outbox for address in email.to) == sorted(
        [other_user.email, staff_user.email])


def test_email_is_written_in_the_recipients_language(user, monkeypatch):
    from notifications import email

    french = make_user("lea.petit@hopital.example", "Léa Petit", language="fr")
    english = make_user("tom.green@hopital.example", "Tom Green", language="en")
    languages = {}
    original = email.render_to_string

    def spy(template, context):
        languages[context["recipient"].email] = translation.get_language()
        return original(template, context)

    monkeypatch.setattr(email, "render_to_string", spy)
    for person in (french, english):
        services.notify([person], Kind.MENTION, target(), actor=user)
        delivery.deliver_to(person.id)
    assert languages == {french.email: "fr", english.email: "en"}
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects[french.email].startswith("Camille Martin vous a mentionné")
    assert subjects[english.email].startswith("Camille Martin mentioned you")


# --- reading ------------------------------------------------------------------------------------

@pytest.fixture
def inbox(user, other_user, staff_user):
    """Three notifications for ``other_user`` (targets 1, 2, 3) and one for ``staff_user``."""
    mine = [services.notify([other_user], Kind.MENTION, target(id=n), actor=user)[0]
            for n in (1, 2, 3)]
    services.notify([staff_user], Kind.MENTION, target(id=1), actor=user)
    return mine


def unread(person):
    return Notification.objects.filter(recipient=person, read_at__isnull=True).count()


def test_mark_read_reads_only_my_notifications_and_tells_my_streams(inbox, other_user,
                                                                    staff_user, sent_events):
    theirs = Notification.objects.get(recipient=staff_user)
    with sent_events.after_commit():
        count = services.mark_read(user=other_user, ids=[inbox[0].id, theirs.id])
    assert count == 1
    assert (unread(other_user), unread(staff_user)) == (2, 1)
    [event] = sent_events.of_type("notification.read")
    assert event["stream"] == f"user.{other_user.id}"
    assert event["data"] == {"unread_count": 2}


def test_mark_read_twice_sends_nothing_the_second_time(inbox, other_user, sent_events):
    services.mark_read(user=other_user, ids=[inbox[0].id])
    with sent_events.after_commit():
        assert services.mark_read(user=other_user, ids=[inbox[0].id]) == 0
    assert sent_events.of_type("notification.read") == []


def test_mark_all_read(inbox, other_user, staff_user, sent_events):
    with sent_events.after_commit():
        assert services.mark_all_read(user=other_user) == 3
    assert (unread(other_user), unread(staff_user)) == (0, 1)
    [event] = sent_events.of_type("notification.read")
    assert (event["stream"], event["data"]) == (f"user.{other_user.id}", {"unread_count": 0})


def test_mark_targets_read_reads_what_pointed_at_the_targets(inbox, other_user, staff_user):
    assert services.mark_targets_read(user=other_user, target_type="post",
                                      target_ids=[1, 3]) == 2
    assert services.mark_targets_read(user=other_user, target_type="message",
                                      target_ids=[2]) == 0
    assert list(Notification.objects.filter(recipient=other_user, read_at__isnull=True)
                .values_list("target_id", flat=True)) == [2]
    assert unread(staff_user) == 1


def test_withdraw_deletes_every_notification_about_the_targets(inbox):
    assert services.withdraw(target_type="post", target_ids=[1, 2]) == 3
    assert list(Notification.objects.values_list("target_id", flat=True)) == [3]
    assert services.withdraw(target_type="message", target_ids=[3]) == 0


# --- texts --------------------------------------------------------------------------------------

def test_describe_names_the_actor_and_the_group(user, other_user, group):
    [notification] = services.notify([other_user], Kind.MENTION, target(group), actor=user)
    with translation.override("en"):
        assert describe(notification) == "Camille Martin mentioned you in Cardiologie"
    notification.actor = None
    with translation.override("en"):
        assert describe(notification) == "Someone mentioned you in Cardiologie"
