""""The deadline is near": those who have not acknowledged a required announcement are told
once, RELAIS_ACK_DUE_NOTICE_HOURS before its deadline (feed.services.notify_acknowledgement_due,
the task that runs it, and the notify_due_acknowledgements command that sweeps for cron)."""

import io
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from feed import services, tasks
from feed.models import Post
from groups import services as group_services
from groups.models import Membership
from notifications.models import Notification
from notifications.texts import describe
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
PARIS = ZoneInfo("Europe/Paris")
POSTED = datetime(2026, 3, 2, 9, 0, tzinfo=PARIS)
DEADLINE = POSTED + timedelta(days=3)
NOTICE = DEADLINE - timedelta(hours=24)


def due_notices(person=None):
    notices = Notification.objects.filter(kind=Kind.ACKNOWLEDGEMENT_DUE)
    return notices.filter(recipient=person) if person is not None else notices


def recipients():
    return sorted(due_notices().values_list("recipient_id", flat=True))


def sweep(at) -> str:
    out = io.StringIO()
    with time_machine.travel(at, tick=False):
        call_command("notify_due_acknowledgements", stdout=out)
    return out.getvalue()


def announce(author, group, *, deadline=DEADLINE, at=POSTED, requires_ack=True) -> Post:
    with time_machine.travel(at, tick=False):
        return services.create_post(author=author, group=group, body="Nouveau protocole",
                                    kind=Post.Kind.ANNOUNCEMENT, requires_ack=requires_ack,
                                    ack_deadline=deadline)


@pytest.fixture
def member(other_user, group):
    group_services.join_group(user=other_user, group=group)
    return other_user


@pytest.fixture
def third_user(group):
    person = make_user("lea.petit@hopital.example", "Léa Petit", language="en")
    group_services.join_group(user=person, group=group)
    return person


@pytest.fixture
def announcement(user, member, third_user, group):
    return announce(user, group)


# --- Who is told, and when ------------------------------------------------------------------------

def test_nothing_is_sent_before_the_notice_time(announcement):
    assert sweep(NOTICE - timedelta(minutes=1)).startswith("0 announcements")
    assert not due_notices().exists()


def test_the_sweep_tells_those_who_have_not_acknowledged(announcement, user, member,
                                                         third_user):
    with time_machine.travel(POSTED + timedelta(hours=1), tick=False):
        services.acknowledge(user=member, post=announcement)
    assert sweep(NOTICE + timedelta(minutes=5)) == "1 announcements: 1 people notified\n"
    assert recipients() == [third_user.id]  # neither the author nor who acknowledged
    notice = due_notices(third_user).get()
    assert (notice.target_type, notice.target_id, notice.group_id) == (
        "post", announcement.id, announcement.group_id)
    assert notice.actor is None and notice.url == services.post_url(announcement)
    assert describe(notice) == ("The deadline to acknowledge an announcement in Cardiologie "
                                "is near")
    announcement.refresh_from_db()
    assert announcement.ack_due_notified_at is not None


def test_seeing_without_acknowledging_is_not_enough(announcement, member, third_user):
    services.record_views(user=member, post_ids=[announcement.id])
    sweep(NOTICE)
    assert member.id in recipients()


def test_the_notice_is_sent_once_however_often_the_sweep_runs(announcement, member,
                                                              third_user):
    sweep(NOTICE + timedelta(minutes=1))
    sweep(NOTICE + timedelta(minutes=2))
    assert sweep(NOTICE + timedelta(hours=3)).startswith("0 announcements")
    assert recipients() == sorted([member.id, third_user.id])


def test_the_service_and_the_task_are_idempotent(announcement, member, third_user):
    with time_machine.travel(NOTICE + timedelta(minutes=1), tick=False):
        assert services.notify_acknowledgement_due(announcement) == 2
        assert services.notify_acknowledgement_due(announcement.id) == 0
        tasks.notify_acknowledgement_due.enqueue(announcement.id)
    assert due_notices().count() == 2


def test_the_task_sends_nothing_early(announcement):
    with time_machine.travel(NOTICE - timedelta(hours=1), tick=False):
        tasks.notify_acknowledgement_due.enqueue(announcement.id)
    assert not due_notices().exists()
    announcement.refresh_from_db()
    assert announcement.ack_due_notified_at is None


def test_posted_less_than_the_notice_before_its_deadline_it_is_sent_at_once(
        user, member, group, django_capture_on_commit_callbacks):
    with time_machine.travel(POSTED, tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        announce(user, group, deadline=POSTED + timedelta(hours=3))
    assert recipients() == [member.id]
    assert due_notices(member).get().created == POSTED


def test_a_far_deadline_is_left_to_the_sweep_when_the_backend_cannot_wait(
        user, member, group, django_capture_on_commit_callbacks):
    with time_machine.travel(POSTED, tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        announce(user, group)
    assert not due_notices().exists()


def test_the_notice_is_scheduled_for_its_time_when_the_backend_can_wait(
        user, member, group, monkeypatch, django_capture_on_commit_callbacks):
    queued = []

    class DeferringTask:
        def get_backend(self):
            return SimpleNamespace(supports_defer=True)

        def using(self, *, run_after):
            queued.append(("run_after", run_after))
            return self

        def enqueue(self, post_id):
            queued.append(("enqueue", post_id))

    monkeypatch.setattr(tasks, "notify_acknowledgement_due", DeferringTask())
    with django_capture_on_commit_callbacks(execute=True):
        post = announce(user, group)
    assert queued == [("run_after", NOTICE), ("enqueue", post.id)]


def test_the_notice_time_is_a_setting(settings, announcement, member, third_user):
    settings.RELAIS_ACK_DUE_NOTICE_HOURS = 2
    sweep(DEADLINE - timedelta(hours=3))
    assert not due_notices().exists()
    sweep(DEADLINE - timedelta(hours=2))
    assert recipients() == sorted([member.id, third_user.id])


# --- Who is never told ----------------------------------------------------------------------------

def test_nothing_after_the_deadline(announcement):
    assert sweep(DEADLINE + timedelta(minutes=1)).startswith("0 announcements")
    with time_machine.travel(DEADLINE + timedelta(minutes=1), tick=False):
        assert services.notify_acknowledgement_due(announcement) == 0
    assert not due_notices().exists()


def test_nothing_for_a_deleted_announcement(user, announcement):
    post_id = announcement.id
    services.delete_post(actor=user, post=announcement)
    sweep(NOTICE)
    with time_machine.travel(NOTICE, tick=False):
        assert services.notify_acknowledgement_due(post_id) == 0
        tasks.notify_acknowledgement_due.enqueue(post_id)
    assert not due_notices().exists()


def test_nothing_without_a_deadline_or_a_required_acknowledgement(user, member, group):
    announce(user, group, deadline=None)
    announce(user, group, deadline=None, requires_ack=False)
    sweep(DEADLINE)
    assert not due_notices().exists()


def test_nothing_once_acknowledgement_is_no_longer_required(user, announcement):
    with time_machine.travel(POSTED + timedelta(hours=1), tick=False):
        services.update_post(actor=user, post=announcement, requires_ack=False,
                             ack_deadline=None)
    sweep(NOTICE)
    assert not due_notices().exists()


def test_only_members_who_can_see_the_group_are_told(user, guest, other_user, staff_user,
                                                     shared_group):
    post = announce(user, shared_group)
    group_services.update_group(actor=user, group=shared_group, allow_guests=False)
    sweep(NOTICE)
    assert not due_notices().exists()  # the guest cannot see it any more; nobody else is in
    assert Membership.objects.filter(group=shared_group, user=guest).exists()
    assert post.group_id == shared_group.id


def test_a_member_who_joined_after_the_post_is_told(user, group, announcement, member,
                                                    third_user):
    latecomer = make_user("paul.roux@hopital.example", "Paul Roux")
    group_services.join_group(user=latecomer, group=group)
    sweep(NOTICE)
    assert latecomer.id in recipients()


def test_the_notice_follows_a_muted_group_level(user, member, third_user, group, announcement):
    from notifications import services as notification_services

    # "Mentions and announcements only" still brings it; "nothing" does not.
    notification_services.set_group_level(user=member, group=group, level="important")
    notification_services.set_group_level(user=third_user, group=group, level="nothing")
    sweep(NOTICE)
    assert recipients() == [member.id]


# --- An edited deadline is honoured ---------------------------------------------------------------

def test_a_deadline_moved_later_moves_the_notice(user, announcement, member, third_user):
    later = DEADLINE + timedelta(days=2)
    with time_machine.travel(POSTED + timedelta(hours=1), tick=False):
        services.update_post(actor=user, post=announcement, ack_deadline=later)
    sweep(NOTICE + timedelta(hours=1))
    assert not due_notices().exists()
    sweep(later - timedelta(hours=23))
    assert recipients() == sorted([member.id, third_user.id])


def test_a_deadline_moved_sooner_brings_the_notice_forward(user, announcement, member,
                                                           third_user,
                                                           django_capture_on_commit_callbacks):
    sooner = POSTED + timedelta(hours=10)
    with time_machine.travel(POSTED + timedelta(hours=1), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        services.update_post(actor=user, post=announcement, ack_deadline=sooner)
    assert recipients() == sorted([member.id, third_user.id])


def test_a_deadline_extended_after_the_notice_earns_a_new_one(user, announcement, member,
                                                              third_user):
    sweep(NOTICE)
    later = DEADLINE + timedelta(days=7)
    with time_machine.travel(NOTICE + timedelta(hours=2), tick=False):
        services.update_post(actor=user, post=announcement, ack_deadline=later)
    sweep(NOTICE + timedelta(hours=3))
    assert due_notices(member).count() == 1
    sweep(later - timedelta(hours=24))
    assert due_notices(member).count() == 2


def test_a_deadline_shortened_after_the_notice_does_not_repeat_it(user, announcement, member,
                                                                  third_user):
    sweep(NOTICE)
    with time_machine.travel(NOTICE + timedelta(hours=1), tick=False):
        services.update_post(actor=user, post=announcement,
                             ack_deadline=DEADLINE - timedelta(hours=12))
    sweep(NOTICE + timedelta(hours=2))
    assert due_notices(member).count() == 1


def test_editing_a_post_loaded_before_the_notice_does_not_forget_it(user, announcement, member,
                                                                    third_user):
    stale = Post.objects.get(id=announcement.id)
    sweep(NOTICE)
    with time_machine.travel(NOTICE + timedelta(minutes=5), tick=False):
        services.update_post(actor=user, post=stale, body="Nouveau protocole, version 2")
    sweep(NOTICE + timedelta(minutes=10))
    assert due_notices(member).count() == 1
