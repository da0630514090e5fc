"""Urgent announcements (#6): their email and push go out at once, even to people outside their
working hours, and so do their reminders and "the deadline is near" notices. Only announcements
may be urgent, and only those who may post announcements make them so."""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from feed import services
from feed.models import Post
from groups import services as group_services
from notifications import services as notification_services
from notifications.models import Notification
from tests.conftest import client_for, make_user

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
PARIS = ZoneInfo("Europe/Paris")
# A Monday night in Paris; the nurse works Monday to Friday, 08:00 to 16:00.
NIGHT = datetime(2026, 3, 2, 23, 0, tzinfo=PARIS)
NEXT_MORNING = datetime(2026, 3, 3, 8, 0, tzinfo=PARIS)


@pytest.fixture
def nurse(group):
    """A plain member of ``group`` (owned by ``user``) who works days, in Paris."""
    person = make_user("ines.moreau@hopital.example", "Inès Moreau", time_zone="Europe/Paris",
                       language="en")
    group_services.join_group(user=person, group=group)
    notification_services.update_settings(
        user=person, working_periods=[(day, time(8), time(16)) for day in range(5)])
    return person


@pytest.fixture
def reader(other_user, group):
    """A plain member of ``group``: may post, may not announce."""
    group_services.join_group(user=other_user, group=group)
    return other_user


def announce(author, group, *, urgent=True, requires_ack=False, ack_deadline=None) -> Post:
    return services.create_post(author=author, group=group, body="Fire in building B",
                                kind=Post.Kind.ANNOUNCEMENT, urgent=urgent,
                                requires_ack=requires_ack, ack_deadline=ack_deadline)


def notices(person, kind):
    return Notification.objects.filter(recipient=person, kind=kind)


def mails_to(person):
    return [message for message in mail.outbox if person.email in message.to]


# --- Delivery: at once when urgent, held until the morning otherwise ---------------------------

def test_urgent_announcement_at_night_is_emailed_at_once(user, group, nurse,
                                                         django_capture_on_commit_callbacks):
    with time_machine.travel(NIGHT, tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        post = announce(user, group)
    assert post.urgent
    notice = notices(nurse, Kind.ANNOUNCEMENT).get()
    assert notice.urgent and notice.email_due == NIGHT
    assert notice.emailed_at == NIGHT
    assert len(mails_to(nurse)) == 1


def test_non_urgent_announcement_at_night_is_held_until_eight(user, group, nurse,
                                                              django_capture_on_commit_callbacks):
    with time_machine.travel(NIGHT, tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        post = announce(user, group, urgent=False)
    assert not post.urgent
    notice = notices(nurse, Kind.ANNOUNCEMENT).get()
    assert not notice.urgent and notice.email_due == NEXT_MORNING
    assert notice.emailed_at is None
    assert mails_to(nurse) == []


@pytest.mark.parametrize("urgent", [True, False])
def test_reminder_of_an_announcement_is_as_urgent_as_it(urgent, user, group, nurse,
                                                        django_capture_on_commit_callbacks):
    post = announce(user, group, urgent=urgent, requires_ack=True)
    mail.outbox.clear()
    with time_machine.travel(NIGHT, tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        services.remind(actor=user, post=post)
    reminder = notices(nurse, Kind.ANNOUNCEMENT_REMINDER).get()
    assert reminder.urgent is urgent
    assert reminder.email_due == (NIGHT if urgent else NEXT_MORNING)
    assert len(mails_to(nurse)) == (1 if urgent else 0)


@pytest.mark.parametrize("urgent", [True, False])
def test_deadline_notice_of_an_announcement_is_as_urgent_as_it(urgent, user, group, nurse,
                                                               django_capture_on_commit_callbacks):
    deadline = NIGHT + timedelta(hours=10)
    with time_machine.travel(NIGHT - timedelta(days=3), tick=False):
        post = announce(user, group, urgent=urgent, requires_ack=True, ack_deadline=deadline)
    mail.outbox.clear()
    with time_machine.travel(NIGHT, tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        assert services.notify_acknowledgement_due(post) == 1
    notice = notices(nurse, Kind.ACKNOWLEDGEMENT_DUE).get()
    assert notice.urgent is urgent
    assert notice.email_due == (NIGHT if urgent else NEXT_MORNING)
    assert len(mails_to(nurse)) == (1 if urgent else 0)


# --- Only announcements, only by those who may announce ----------------------------------------

@pytest.mark.parametrize("kind", [Post.Kind.POST, Post.Kind.POLL])
def test_a_post_or_a_poll_cannot_be_urgent(kind, user, group):
    poll = services.PollSpec("Which day?", ["Monday", "Friday"]) if kind == Post.Kind.POLL \
        else None
    with pytest.raises(ValidationError) as error:
        services.create_post(author=user, group=group, body="Hello", kind=kind, urgent=True,
                             poll=poll)
    assert "urgent" in error.value.message_dict
    assert not Post.objects.exists()


def test_a_member_who_may_not_announce_cannot_post_an_urgent_announcement(reader, group):
    with pytest.raises(PermissionDenied):
        announce(reader, group)
    assert not Post.objects.exists()


def test_the_database_refuses_an_urgent_post(user, group):
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.create(group=group, author=user, kind=Post.Kind.POST, body="x", urgent=True)


# --- Editing -----------------------------------------------------------------------------------

def test_a_post_made_an_urgent_announcement_notifies_urgently(user, group, nurse,
                                                              django_capture_on_commit_callbacks):
    post = services.create_post(author=user, group=group, body="Lift out of order")
    with time_machine.travel(NIGHT, tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        services.update_post(actor=user, post=post, kind=Post.Kind.ANNOUNCEMENT, urgent=True)
    post.refresh_from_db()
    assert post.is_announcement and post.urgent
    notice = notices(nurse, Kind.ANNOUNCEMENT).get()
    assert notice.urgent and notice.email_due == NIGHT
    assert len(mails_to(nurse)) == 1


def test_an_announcement_made_urgent_later_is_not_announced_again(user, group, nurse,
                                                                   sent_events):
    post = announce(user, group, urgent=False, requires_ack=True)
    with sent_events.after_commit():
        services.update_post(actor=user, post=post, urgent=True)
    post.refresh_from_db()
    assert post.urgent
    assert notices(nurse, Kind.ANNOUNCEMENT).count() == 1
    assert not notices(nurse, Kind.ANNOUNCEMENT).get().urgent
    assert sent_events.of_type("post.updated")[0]["data"]["changed"] == ["urgent"]
    # What follows it is urgent, though.
    services.remind(actor=user, post=post)
    assert notices(nurse, Kind.ANNOUNCEMENT_REMINDER).get().urgent


def test_urgent_sent_back_unchanged_is_no_change(user, group):
    post = announce(user, group)
    services.update_post(actor=user, post=post, urgent=True)
    post.refresh_from_db()
    assert post.urgent and post.edited_at is None


def test_an_announcement_turned_back_into_a_post_stops_being_urgent(user, group):
    post = announce(user, group)
    services.update_post(actor=user, post=post, kind=Post.Kind.POST)
    post.refresh_from_db()
    assert post.kind == Post.Kind.POST and not post.urgent


@pytest.mark.parametrize("kind", [Post.Kind.POST, Post.Kind.POLL])
def test_editing_a_post_or_a_poll_into_urgent_is_refused(kind, user, group):
    poll = services.PollSpec("Which day?", ["Monday", "Friday"]) if kind == Post.Kind.POLL \
        else None
    post = services.create_post(author=user, group=group, body="Hello", kind=kind, poll=poll)
    with pytest.raises(ValidationError) as error:
        services.update_post(actor=user, post=post, urgent=True)
    assert "urgent" in error.value.message_dict
    post.refresh_from_db()
    assert not post.urgent


def test_a_member_cannot_make_their_post_urgent(reader, group):
    post = services.create_post(author=reader, group=group, body="Hello")
    with pytest.raises(PermissionDenied):
        services.update_post(actor=reader, post=post, kind=Post.Kind.ANNOUNCEMENT, urgent=True)
    post.refresh_from_db()
    assert post.kind == Post.Kind.POST and not post.urgent


# --- API ---------------------------------------------------------------------------------------

POSTS_URL = "/api/v1/groups/cardiologie/posts"


def test_api_admin_posts_an_urgent_announcement(user, group, nurse, api_client_for):
    response = api_client_for(user).post_json(POSTS_URL, {
        "body": "Code red", "kind": "announcement", "urgent": True})
    assert response.status_code == 201
    assert response.json()["urgent"] is True
    post = Post.objects.get()
    assert post.urgent
    assert notices(nurse, Kind.ANNOUNCEMENT).get().urgent


def test_api_returns_urgent_false_by_default(user, group, api_client_for):
    post = services.create_post(author=user, group=group, body="Hello")
    response = api_client_for(user).get(f"/api/v1/posts/{post.id}")
    assert response.status_code == 200 and response.json()["urgent"] is False


@pytest.mark.parametrize("payload", [
    {"body": "Hello", "urgent": True},
    {"kind": "poll", "urgent": True, "poll": {"question": "Which day?",
                                              "options": ["Monday", "Friday"]}},
])
def test_api_a_post_or_a_poll_cannot_be_urgent(payload, user, group, api_client_for):
    response = api_client_for(user).post_json(POSTS_URL, payload)
    assert response.status_code == 422
    assert "urgent" in response.json()["detail"]
    assert not Post.objects.exists()


def test_api_urgent_announcement_by_a_member_who_is_not_admin_is_403(reader, group,
                                                                     api_client_for):
    response = api_client_for(reader).post_json(POSTS_URL, {
        "body": "Code red", "kind": "announcement", "urgent": True})
    assert response.status_code == 403
    assert not Post.objects.exists()


def test_api_patch_makes_an_announcement_urgent(user, group, api_client_for):
    post = announce(user, group, urgent=False)
    response = api_client_for(user).patch_json(f"/api/v1/posts/{post.id}", {"urgent": True})
    assert response.status_code == 200 and response.json()["urgent"] is True
    post.refresh_from_db()
    assert post.urgent


def test_api_patch_urgent_on_a_plain_post_is_422(user, group, api_client_for):
    post = services.create_post(author=user, group=group, body="Hello")
    response = api_client_for(user).patch_json(f"/api/v1/posts/{post.id}", {"urgent": True})
    assert response.status_code == 422 and "urgent" in response.json()["detail"]


def test_api_patch_urgent_by_its_author_who_is_not_admin_is_403(reader, group, api_client_for):
    post = services.create_post(author=reader, group=group, body="Hello")
    response = api_client_for(reader).patch_json(f"/api/v1/posts/{post.id}",
                                                 {"kind": "announcement", "urgent": True})
    assert response.status_code == 403
    post.refresh_from_db()
    assert not post.urgent


def test_api_patch_urgent_by_an_outsider_is_404(user, private_group, other_user,
                                                api_client_for):
    post = announce(user, private_group, urgent=False)
    response = api_client_for(other_user).patch_json(f"/api/v1/posts/{post.id}",
                                                     {"urgent": True})
    assert response.status_code == 404
    post.refresh_from_db()
    assert not post.urgent


# --- Web: the composer, the edit form and the card ---------------------------------------------

def urgent_box(response) -> str:
    return re.search(r'<input[^>]*name="urgent"[^>]*>', response.content.decode()).group()


def compose(client, group, **data):
    return client.post(reverse("feed:create"), {"group": group.slug, "body": "Code red", **data})


def test_composer_offers_urgent_to_admins_only(member_client, reader, group):
    admin_page = member_client.get(reverse("home")).content.decode()
    assert 'name="urgent"' in admin_page
    assert "Urgent: reach people even outside their working hours" in admin_page
    assert 'aria-describedby="id_urgent_helptext"' in admin_page
    assert 'id="id_urgent_helptext"' in admin_page
    assert 'name="urgent"' not in client_for(reader).get(reverse("home")).content.decode()


def test_group_page_composer_offers_urgent_to_admins_only(member_client, reader, group):
    url = reverse("feed:group_posts", args=[group.slug])
    assert b'name="urgent"' in member_client.get(url).content
    assert b'name="urgent"' not in client_for(reader).get(url).content


def test_admin_posts_an_urgent_announcement_from_the_composer(member_client, group, nurse):
    response = compose(member_client, group, kind="announcement", urgent="on")
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.is_announcement and post.urgent
    assert notices(nurse, Kind.ANNOUNCEMENT).get().urgent


@pytest.mark.parametrize("kind", ["post", "poll"])
def test_composer_never_makes_a_post_or_a_poll_urgent(kind, member_client, group):
    # The urgent box sits with the announcement options, hidden unless "Announcement" is
    # chosen: left ticked after switching to a post or a poll, it is ignored, as the
    # acknowledgement box is.
    response = compose(member_client, group, kind=kind, urgent="on", poll_question="Day?",
                       poll_option_0="Monday", poll_option_1="Friday")
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.kind == kind and not post.urgent


def test_member_cannot_post_an_urgent_announcement_from_the_composer(reader, group):
    response = compose(client_for(reader), group, kind="announcement", urgent="on")
    assert response.status_code == 422
    assert not Post.objects.exists()


def test_card_shows_the_urgent_badge_on_urgent_announcements(member_client, user, group):
    urgent = announce(user, group)
    plain = announce(user, group, urgent=False)
    urgent_card = member_client.get(reverse("feed:post", args=[urgent.id])).content.decode()
    assert 'class="tag tag-urgent"' in urgent_card and ">Urgent</span>" in urgent_card
    plain_card = member_client.get(reverse("feed:post", args=[plain.id])).content.decode()
    assert "tag-urgent" not in plain_card
    assert 'class="tag tag-announcement"' in plain_card


def test_feed_shows_the_urgent_badge(reader, user, group):
    announce(user, group)
    assert b"tag-urgent" in client_for(reader).get(reverse("home")).content


def test_admin_makes_an_announcement_urgent_from_the_edit_form(member_client, user, group):
    post = announce(user, group, urgent=False)
    url = reverse("feed:edit", args=[post.id])
    page = member_client.get(url).content.decode()
    assert "checked" not in urgent_box(member_client.get(url))
    assert "does not send the announcement again" in page
    response = member_client.post(url, {"body": post.body, "kind": "announcement",
                                        "urgent": "on"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.urgent
    assert "checked" in urgent_box(member_client.get(url))


def test_admin_unticks_urgent_in_the_edit_form(member_client, user, group):
    post = announce(user, group)
    response = member_client.post(reverse("feed:edit", args=[post.id]),
                                  {"body": post.body, "kind": "announcement"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert not post.urgent


def test_edit_form_of_a_member_has_no_urgent_box_and_ignores_it(reader, group):
    post = services.create_post(author=reader, group=group, body="Hello")
    client = client_for(reader)
    url = reverse("feed:edit", args=[post.id])
    assert b'name="urgent"' not in client.get(url).content
    response = client.post(url, {"body": "Hello again", "kind": "announcement", "urgent": "on"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.body == "Hello again" and post.kind == Post.Kind.POST and not post.urgent
