"""Held, batched and urgent delivery of notification emails (push has tests/…/test_push.py)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from groups import services as group_services
from notifications import delivery, services
from notifications.models import GroupLevel, Mute, Notification, NotificationSettings

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
PARIS = ZoneInfo("Europe/Paris")
MONDAY_NIGHT = datetime(2026, 11, 23, 23, 0, tzinfo=PARIS)
TUESDAY_8 = datetime(2026, 11, 24, 8, 0, tzinfo=PARIS)


def target(group=None, *, id=7, scope=""):
    return services.Target(type="post", id=id, url=f"/posts/{id}/", title="Protocole",
                           group_id=group.id if group else None, scope=scope)


def day_shift(person):
    services.update_settings(user=person, working_periods=[(d, time(8), time(16))
                                                           for d in range(5)])


def emails_to(person):
    return [m for m in mail.outbox if m.to == [person.email]]


@pytest.fixture
def nurse(other_user):
    """Works weekdays 08:00-16:00, Paris time."""
    other_user.time_zone = "Europe/Paris"
    other_user.save(update_fields=["time_zone"])
    day_shift(other_user)
    return other_user


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)
    return run


def test_outside_working_hours_the_notification_shows_in_the_app_but_email_waits(
        user, nurse, run_on_commit, sent_events):
    with time_machine.travel(MONDAY_NIGHT, tick=False), sent_events.after_commit():
        [n] = run_on_commit(services.notify, [nurse], Kind.MENTION, target(), actor=user)
    assert n.in_app and n.email_due == TUESDAY_8
    assert sent_events.of_type("notification.created")
    assert emails_to(nurse) == []


def test_held_notifications_go_out_in_one_digest_when_the_shift_starts_and_only_once(
        user, staff_user, nurse, run_on_commit):
    with time_machine.travel(MONDAY_NIGHT, tick=False):
        run_on_commit(services.notify, [nurse], Kind.MENTION, target(id=1), actor=user)
        run_on_commit(services.notify, [nurse], Kind.DIRECT_MESSAGE, target(id=2),
                      actor=staff_user)
    with time_machine.travel(TUESDAY_8 - timedelta(minutes=1), tick=False):
        assert delivery.deliver_to(nurse.id).emailed == 0
    with time_machine.travel(TUESDAY_8, tick=False):
        assert delivery.deliver_to(nurse.id).emailed == 2
        assert delivery.deliver_to(nurse.id).emailed == 0
        call_command("deliver_notifications", stdout=open("/dev/null", "w"))  # noqa: SIM115
    [digest] = emails_to(nurse)
    assert "2" in digest.subject
    assert "/notifications/" in digest.body and digest.body.count("/open/") == 2


def test_an_urgent_notification_is_emailed_at_once_at_night(user, nurse, run_on_commit):
    with time_machine.travel(MONDAY_NIGHT, tick=False):
        [n] = run_on_commit(services.notify, [nurse], Kind.MENTION, target(), actor=user,
                            urgent=True)
    assert n.email_due == MONDAY_NIGHT
    [email] = emails_to(nurse)
    assert email.subject.startswith("Urgent")


def test_emails_are_batched_one_per_interval_with_a_digest_of_the_rest(
        user, other_user, run_on_commit):
    start = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)
    with time_machine.travel(start, tick=False):
        run_on_commit(services.notify, [other_user], Kind.MENTION, target(id=1), actor=user)
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        run_on_commit(services.notify, [other_user], Kind.MENTION, target(id=2), actor=user)
        run_on_commit(services.notify, [other_user], Kind.MENTION, target(id=3), actor=user)
        assert delivery.deliver_to(other_user.id).email_again_at == start + timedelta(minutes=15)
    assert len(emails_to(other_user)) == 1
    with time_machine.travel(start + timedelta(minutes=15), tick=False):
        assert delivery.deliver_to(other_user.id).emailed == 2
    assert len(emails_to(other_user)) == 2


def test_what_was_read_in_the_app_before_the_digest_is_not_emailed(user, nurse, run_on_commit):
    with time_machine.travel(MONDAY_NIGHT, tick=False):
        first, = run_on_commit(services.notify, [nurse], Kind.MENTION, target(id=1), actor=user)
        run_on_commit(services.notify, [nurse], Kind.MENTION, target(id=2), actor=user)
        services.mark_read(user=nurse, ids=[first.id])
    with time_machine.travel(TUESDAY_8, tick=False):
        assert delivery.deliver_to(nurse.id).emailed == 1
    first.refresh_from_db()
    assert first.emailed_at is not None  # settled, never sent later


def test_someone_removed_from_the_group_before_the_digest_gets_no_email(
        user, nurse, private_group, run_on_commit):
    group_services.add_member(actor=user, group=private_group, user=nurse)
    with time_machine.travel(MONDAY_NIGHT, tick=False):
        run_on_commit(services.notify, [nurse], Kind.MENTION, target(private_group),
                      actor=user)
        group_services.remove_member(actor=user, group=private_group, user=nurse)
    with time_machine.travel(TUESDAY_8, tick=False):
        assert delivery.deliver_to(nurse.id).emailed == 0
    assert emails_to(nurse) == []


def test_a_failed_send_marks_nothing_and_the_retry_sends_it(user, other_user, monkeypatch):
    from notifications import email

    [n] = services.notify([other_user], Kind.MENTION, target(), actor=user)
    original = email.send

    def broken(*args, **kwargs):
        raise ConnectionError("SMTP server unreachable")

    monkeypatch.setattr(email, "send", broken)
    with pytest.raises(ConnectionError):
        delivery.deliver_to(other_user.id)
    n.refresh_from_db()
    assert n.emailed_at is None
    assert NotificationSettings.objects.get(user=other_user).last_email_at is None
    monkeypatch.setattr(email, "send", original)
    assert delivery.deliver_to(other_user.id).emailed == 1


def test_the_delivery_task_reports_a_failure_so_it_is_retried(user, other_user, monkeypatch):
    from notifications import email
    from notifications.tasks import deliver_notifications

    services.notify([other_user], Kind.MENTION, target(), actor=user)
    monkeypatch.setattr(email, "send", lambda *a, **k: (_ for _ in ()).throw(OSError("down")))
    with pytest.raises(RuntimeError, match=str(other_user.id)):
        deliver_notifications.call([other_user.id])


def test_going_on_call_releases_what_was_held(user, nurse, run_on_commit):
    with time_machine.travel(MONDAY_NIGHT, tick=False):
        run_on_commit(services.notify, [nurse], Kind.MENTION, target(), actor=user)
        assert emails_to(nurse) == []
        run_on_commit(services.update_settings, user=nurse,
                      duty=NotificationSettings.Duty.ON_CALL)
    assert len(emails_to(nurse)) == 1


def test_off_duty_until_further_notice_holds_until_the_status_ends(user, other_user,
                                                                    run_on_commit):
    services.update_settings(user=other_user, duty=NotificationSettings.Duty.OFF_DUTY)
    [n] = run_on_commit(services.notify, [other_user], Kind.MENTION, target(), actor=user)
    assert n.email_due == delivery.HELD and emails_to(other_user) == []
    run_on_commit(services.update_settings, user=other_user,
                  duty=NotificationSettings.Duty.SCHEDULE)
    assert len(emails_to(other_user)) == 1


def test_a_kind_turned_off_for_email_is_never_emailed(user, other_user, run_on_commit):
    services.update_settings(user=other_user, channels={Kind.MENTION: {"email": False}})
    [n] = run_on_commit(services.notify, [other_user], Kind.MENTION, target(), actor=user)
    assert n.in_app and n.email_due is None and emails_to(other_user) == []


def test_a_kind_turned_off_everywhere_creates_nothing(user, other_user):
    services.update_settings(user=other_user, channels={
        Kind.REACTION: {"in_app": False, "email": False, "push": False}})
    assert services.notify([other_user], Kind.REACTION, target(), actor=user) == []


def test_a_kind_off_in_the_app_but_on_by_email_is_kept_out_of_the_list(user, other_user):
    from notifications.selectors import notifications_for

    services.update_settings(user=other_user, channels={
        Kind.REPLY: {"in_app": False, "email": True}})
    [n] = services.notify([other_user], Kind.REPLY, target(), actor=user)
    assert not n.in_app and n.email_due is not None
    assert list(notifications_for(other_user)) == []


def test_group_level_nothing_silences_the_group_except_urgent(user, other_user, group):
    group_services.join_group(user=other_user, group=group)
    services.set_group_level(user=other_user, group=group, level=GroupLevel.Level.NOTHING)
    assert services.notify([other_user], Kind.MENTION, target(group), actor=user) == []
    assert len(services.notify([other_user], Kind.MENTION, target(group), actor=user,
                               urgent=True)) == 1


def test_group_level_important_keeps_mentions_and_announcements_only(user, other_user, group):
    group_services.join_group(user=other_user, group=group)
    services.set_group_level(user=other_user, group=group, level=GroupLevel.Level.IMPORTANT)
    assert services.notify([other_user], Kind.REPLY, target(group), actor=user) == []
    assert services.notify([other_user], Kind.REACTION, target(group), actor=user) == []
    assert len(services.notify([other_user], Kind.MENTION, target(group), actor=user)) == 1
    assert len(services.notify([other_user], Kind.ANNOUNCEMENT, target(group), actor=user)) == 1
    services.set_group_level(user=other_user, group=group, level=GroupLevel.Level.ALL)
    assert not GroupLevel.objects.filter(user=other_user).exists()
    assert len(services.notify([other_user], Kind.REPLY, target(group), actor=user)) == 1


def test_a_muted_conversation_is_silent_except_mentions_and_urgent(user, other_user):
    services.set_muted(user=other_user, scope="conversation:5", muted=True, label="Garde")
    quiet = target(scope="conversation:5")
    assert services.notify([other_user], Kind.DIRECT_MESSAGE, quiet, actor=user) == []
    assert len(services.notify([other_user], Kind.MENTION, quiet, actor=user)) == 1
    assert len(services.notify([other_user], Kind.DIRECT_MESSAGE, quiet, actor=user,
                               urgent=True)) == 1
    assert len(services.notify([other_user], Kind.DIRECT_MESSAGE, target(scope="conversation:6"),
                               actor=user)) == 1
    services.set_muted(user=other_user, scope="conversation:5", muted=False)
    assert not Mute.objects.exists()
    assert len(services.notify([other_user], Kind.DIRECT_MESSAGE, quiet, actor=user)) == 1


def test_unsubscribing_from_one_kind_keeps_the_others(other_user):
    services.unsubscribe_email(user=other_user, kind=Kind.REPLY)
    row = NotificationSettings.objects.get(user=other_user)
    assert row.channels == {}  # replies are not emailed by default: nothing to store
    services.unsubscribe_email(user=other_user, kind=Kind.MENTION)
    row.refresh_from_db()
    assert row.channels == {Kind.MENTION: {"email": False}}
    services.unsubscribe_email(user=other_user, kind="*")
    row.refresh_from_db()
    assert {k for k, v in row.channels.items() if v.get("email") is False} == {
        k for k in Kind.values if k not in (Kind.REPLY, Kind.REACTION)}


def test_update_settings_rejects_bad_values_and_changes_nothing(other_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.update_settings(user=other_user, email_interval_minutes=5000, duty="asleep",
                                 working_periods=[(7, time(8), time(9))])
    assert set(error.value.message_dict) == {"email_interval_minutes", "duty",
                                             "working_periods"}
    with pytest.raises(ValidationError):
        services.update_settings(user=other_user, working_periods=[(0, time(8), time(8))])
    assert not NotificationSettings.objects.filter(user=other_user).exists()


def test_a_large_audience_is_delivered_by_several_tasks(settings, user, monkeypatch,
                                                        run_on_commit):
    """Several workers can share a big announcement's emails and pushes."""
    from django_tasks_db.models import DBTaskResult

    from tests.conftest import make_user

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default"]}}
    monkeypatch.setattr(delivery, "DELIVERY_BATCH", 2)
    people = [make_user(f"agent{i}@hopital.example", f"Agent {i}", language="en")
              for i in range(5)]
    run_on_commit(services.notify, people, Kind.MENTION, target(), actor=user)
    batches = [row.args_kwargs["args"][0] for row in
               DBTaskResult.objects.filter(task_path="notifications.tasks.deliver_notifications")
               .order_by("enqueued_at", "id")]
    assert [len(batch) for batch in batches] == [2, 2, 1]
    assert sorted(uid for batch in batches for uid in batch) == sorted(p.id for p in people)
