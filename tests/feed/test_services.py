import io
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from documents.models import Document
from feed import selectors, services
from feed.models import (
    Attachment,
    Comment,
    Mention,
    Poll,
    PollVote,
    Post,
    Reaction,
    Receipt,
    Reminder,
)
from groups import services as group_services
from groups.models import Membership
from notifications.models import Notification
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

Role = Membership.Role


def add(group, person, role=Role.MEMBER):
    """``person`` joins ``group``, added by its creator (the owner of every fixture group)."""
    return group_services.add_member(actor=group.created_by, group=group, user=person, role=role)


def png(name="photo.png", size=(3, 2)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def exe_renamed_png() -> SimpleUploadedFile:
    return SimpleUploadedFile("holiday.png", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(256),
                              content_type="image/png")


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def notified(person, kind=None):
    """``person``'s notifications about posts (being added to a group is told too)."""
    notifications = Notification.objects.filter(recipient=person, target_type="post")
    if kind is not None:
        notifications = notifications.filter(kind=kind)
    return notifications


def limit(settings, **values):
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, **values}


@pytest.fixture
def member(other_user, group):
    """``other_user``, a plain member of the public ``group``."""
    group_services.join_group(user=other_user, group=group)
    return other_user


@pytest.fixture
def third_user(db):
    return make_user("lea.petit@hopital.example", "Léa Petit", department="Urgences",
                     job_title="Aide-soignante", language="fr")


@pytest.fixture
def group_admin(group):
    admin = make_user("nora.admin@hopital.example", "Nora Lambert", language="en")
    add(group, admin, Role.ADMIN)
    return admin


def poll_spec(*options, **extra):
    return services.PollSpec(question="Which day for the training?",
                             options=list(options or ("Monday", "Tuesday")), **extra)


# --- create_post: who may post ------------------------------------------------------------------

def test_member_posts_in_their_group(member, group):
    post = services.create_post(author=member, group=group, body="Bonjour **à tous**")
    assert (post.group, post.author, post.kind) == (group, member, Post.Kind.POST)
    assert post.body == "Bonjour **à tous**"
    assert "<strong>à tous</strong>" in post.body_html
    assert post.edited_at is None


def test_create_post_fails_if_user_is_not_a_member(other_user, group):
    with pytest.raises(PermissionDenied):
        services.create_post(author=other_user, group=group, body="Hello")


def test_create_post_fails_if_user_is_not_a_member_of_a_private_group(other_user, private_group):
    with pytest.raises(PermissionDenied):
        services.create_post(author=other_user, group=private_group, body="Hello")
    assert not Post.objects.exists()


def test_organisation_admin_posts_in_any_group(staff_user, secret_group):
    post = services.create_post(author=staff_user, group=secret_group, body="Audit")
    assert post.group == secret_group


def test_guest_posts_only_in_a_shared_group(guest, shared_group, group):
    assert services.create_post(author=guest, group=shared_group, body="Devis envoyé").pk
    with pytest.raises(PermissionDenied):
        services.create_post(author=guest, group=group, body="Hello")


def test_guest_cannot_post_once_the_group_is_closed_to_guests(user, guest, shared_group):
    group_services.update_group(actor=user, group=shared_group, allow_guests=False)
    with pytest.raises(PermissionDenied):
        services.create_post(author=guest, group=shared_group, body="Still here?")


def test_create_post_fails_in_an_archived_group(user, group):
    group_services.set_archived(actor=user, group=group, archived=True)
    with pytest.raises(PermissionDenied):
        services.create_post(author=user, group=group, body="Hello")


def test_inactive_user_cannot_post(user, group):
    leaver = make_user("leaver@hopital.example", "Paul Leaver")
    add(group, leaver)
    leaver.is_active = False
    leaver.save(update_fields=["is_active"])
    with pytest.raises(PermissionDenied):
        services.create_post(author=leaver, group=group, body="Hello")


def test_create_post_rejects_an_unknown_kind(user, group):
    with pytest.raises(ValidationError) as error:
        services.create_post(author=user, group=group, body="Hello", kind="story")
    assert "kind" in error.value.message_dict


@pytest.mark.parametrize("body", ["", "   \n "])
def test_create_post_needs_a_body(user, group, body):
    with pytest.raises(ValidationError) as error:
        services.create_post(author=user, group=group, body=body)
    assert "body" in error.value.message_dict


def test_body_longer_than_the_limit_is_refused_naming_the_limit(user, group, settings):
    limit(settings, post_chars=50)
    assert services.create_post(author=user, group=group, body="x" * 50).pk
    with pytest.raises(ValidationError) as error:
        services.create_post(author=user, group=group, body="x" * 51)
    assert "50" in error.value.message_dict["body"][0]
    assert Post.objects.count() == 1


# --- announcements ------------------------------------------------------------------------------

def test_create_announcement_fails_if_user_is_not_group_admin(member, group):
    with pytest.raises(PermissionDenied):
        services.create_post(author=member, group=group, body="Nouveau protocole",
                             kind=Post.Kind.ANNOUNCEMENT)
    assert not Post.objects.exists()


def test_group_owners_and_admins_post_announcements(user, group_admin, group):
    by_owner = services.create_post(author=user, group=group, body="A", kind="announcement")
    by_admin = services.create_post(author=group_admin, group=group, body="B",
                                    kind="announcement")
    assert {by_owner.kind, by_admin.kind} == {Post.Kind.ANNOUNCEMENT}


def test_organisation_admin_posts_announcements_in_any_group(staff_user, private_group):
    post = services.create_post(author=staff_user, group=private_group, body="Rappel",
                                kind="announcement", requires_ack=True)
    assert post.is_announcement and post.requires_ack


def test_announcement_notifies_the_members_but_not_the_author(user, member, third_user, group):
    add(group, third_user)
    post = services.create_post(author=user, group=group, body="Protocole", kind="announcement")
    kind = Notification.Kind.ANNOUNCEMENT
    assert notified(member, kind).get().target_id == post.id
    assert notified(third_user, kind).count() == 1
    assert not notified(user).exists()


@pytest.mark.parametrize("kind", [Post.Kind.POST, Post.Kind.POLL])
def test_only_announcements_require_acknowledgement(user, group, kind):
    with pytest.raises(ValidationError) as error:
        services.create_post(author=user, group=group, body="Read me", kind=kind,
                             requires_ack=True, poll=poll_spec())
    assert "requires_ack" in error.value.message_dict


def test_a_deadline_needs_acknowledgement_required(user, group):
    with pytest.raises(ValidationError) as error:
        services.create_post(author=user, group=group, body="Read me", kind="announcement",
                             ack_deadline=timezone.now() + timedelta(days=1))
    assert "ack_deadline" in error.value.message_dict


def test_a_deadline_in_the_past_is_refused(user, group):
    with pytest.raises(ValidationError) as error:
        services.create_post(author=user, group=group, body="Read me", kind="announcement",
                             requires_ack=True, ack_deadline=timezone.now() - timedelta(minutes=1))
    assert "ack_deadline" in error.value.message_dict


def test_a_deadline_in_the_future_is_kept(user, group):
    deadline = timezone.now() + timedelta(days=2)
    post = services.create_post(author=user, group=group, body="Read me", kind="announcement",
                                requires_ack=True, ack_deadline=deadline)
    post.refresh_from_db()
    assert post.ack_deadline == deadline


# --- polls --------------------------------------------------------------------------------------

@pytest.mark.parametrize("options", [
    ["Only one"],
    [f"Option {n}" for n in range(11)],
    ["Oui", "oui"],
    ["Oui", "Non", " OUI "],
    ["Oui", "  ", ""],
])
def test_poll_with_a_wrong_number_of_options_or_duplicates_is_refused(user, group, options):
    with pytest.raises(ValidationError) as error:
        services.create_post(author=user, group=group, kind="poll", poll=poll_spec(*options))
    assert "poll_options" in error.value.message_dict
    assert not Poll.objects.exists()


@pytest.mark.parametrize("count", [2, 10])
def test_poll_with_2_to_10_options_is_created_in_order(user, group, count):
    labels = [f"Option {n}" for n in range(count)]
    post = services.create_post(author=user, group=group, kind="poll",
                                poll=poll_spec(*labels, multiple=True, anonymous=True))
    poll = post.poll
    assert post.kind == Post.Kind.POLL
    assert (poll.question, poll.multiple, poll.anonymous) == ("Which day for the training?",
                                                              True, True)
    assert list(poll.options.values_list("label", flat=True)) == labels


def test_poll_needs_a_spec_and_a_question(user, group):
    with pytest.raises(ValidationError):
        services.create_post(author=user, group=group, kind="poll")
    with pytest.raises(ValidationError) as error:
        services.create_post(author=user, group=group, kind="poll",
                             poll=services.PollSpec(question=" ", options=["a", "b"]))
    assert "poll_question" in error.value.message_dict


def test_poll_closing_in_the_past_is_refused(user, group):
    with pytest.raises(ValidationError) as error:
        services.create_post(author=user, group=group, kind="poll",
                             poll=poll_spec(closes_at=timezone.now() - timedelta(hours=1)))
    assert "poll_closes_at" in error.value.message_dict


# --- attachments --------------------------------------------------------------------------------

def test_too_many_attachments_are_refused(user, group, settings):
    limit(settings, post_attachments=2)
    with pytest.raises(ValidationError) as error:
        services.create_post(author=user, group=group, body="Files",
                             attachments=[png("a.png"), png("b.png"), png("c.png")])
    assert "2" in error.value.message_dict["attachments"][0]
    assert stored_files(settings) == []


def test_an_attachment_over_the_size_limit_is_refused_and_nothing_is_stored(user, group,
                                                                             settings):
    limit(settings, upload_bytes=2000)
    big = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n" + b"0" * 2000)
    with pytest.raises(ValidationError) as error:
        services.create_post(author=user, group=group, body="Files", attachments=[png(), big])
    assert "scan.pdf" in error.value.message_dict["attachments"][0]
    assert not Post.objects.exists()
    assert stored_files(settings) == []


def test_an_image_is_recognised_by_its_content(user, group, settings):
    post = services.create_post(author=user, group=group, body="",
                                attachments=[png("Radio du 12 mars.jpg", size=(7, 5))])
    attachment = post.attachments.get()
    assert (attachment.content_type, attachment.is_image) == ("image/png", True)
    assert (attachment.width, attachment.height) == (7, 5)
    # As in the library, a file whose name claims another kind is saved under its real one,
    # and the author is told; the name it came with is kept on its version.
    assert attachment.name == attachment.document.name == "Radio du 12 mars.png"
    assert "Radio du 12 mars.jpg" in post.attachment_notices[0]
    version = attachment.document.current_version
    assert version.original_name == "Radio du 12 mars.jpg"
    # The stored name never comes from the user.
    assert "Radio" not in version.file.name
    assert len(stored_files(settings)) == 1


def test_an_executable_renamed_png_is_refused_as_the_library_refuses_it(user, group, settings):
    with pytest.raises(ValidationError) as error:
        services.create_post(author=user, group=group, body="Photos",
                             attachments=[exe_renamed_png()])
    assert "holiday.png" in error.value.message_dict["attachments"][0]
    assert not Post.objects.exists()
    assert stored_files(settings) == []


def test_files_are_removed_from_storage_when_creation_fails(user, group, settings, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("database went away")

    # Patched where create_post looks it up: feed.services re-exports only public names.
    monkeypatch.setattr("feed.services.posts._record_mentions", fail)
    with pytest.raises(RuntimeError):
        services.create_post(author=user, group=group, body="Files",
                             attachments=[png("a.png"), SimpleUploadedFile("b.txt", b"rota")])
    assert not Post.objects.exists()
    assert not Attachment.objects.exists()
    assert not Document.objects.exists()
    assert stored_files(settings) == []


# --- the post.created event ---------------------------------------------------------------------

def test_post_created_is_sent_to_the_group_stream_after_commit(user, group, sent_events):
    with sent_events.after_commit():
        post = services.create_post(author=user, group=group, body="Hello")
    [event] = sent_events.of_type("post.created")
    assert event["stream"] == f"group.{group.id}"
    assert event["data"]["post"]["id"] == post.id
    assert "Hello" not in str(event["data"])


def test_no_post_created_event_when_the_transaction_rolls_back(user, group, sent_events):
    with sent_events.after_commit(), pytest.raises(RuntimeError), transaction.atomic():
        services.create_post(author=user, group=group, body="Hello")
        raise RuntimeError
    assert sent_events.of_type("post.created") == []
    assert not Post.objects.exists()


# --- Markdown and mentions ----------------------------------------------------------------------

def test_post_html_is_sanitised(user, group):
    body = ('<script>alert("x")</script>\n\n[click](javascript:alert(1))\n\n'
            '<img src=x onerror="alert(2)">\n\n<a href="#" onclick="steal()">me</a>')
    post = services.create_post(author=user, group=group, body=body)
    html = post.body_html.lower()
    for forbidden in ("<script", "javascript:", "onerror", "onclick", "<img"):
        assert forbidden not in html
    assert post.body == body


def test_bare_links_are_linked_with_noopener(user, group):
    post = services.create_post(author=user, group=group,
                                body="Protocole : https://intranet.example/p?id=4.")
    assert '<a href="https://intranet.example/p?id=4"' in post.body_html
    assert 'rel="noopener noreferrer nofollow"' in post.body_html


def test_mentioning_a_member_links_them_records_it_and_notifies_them(user, member, group):
    post = services.create_post(author=user, group=group, body="Merci @Hugo Bernard, parfait.")
    assert f'data-user-id="{member.id}"' in post.body_html
    assert ">@Hugo Bernard</a>, parfait." in post.body_html
    assert list(Mention.objects.filter(post=post).values_list("user_id", flat=True)) == [member.id]
    notification = notified(member, Notification.Kind.MENTION).get()
    assert (notification.actor, notification.target_id, notification.group_id) == (user, post.id,
                                                                                   group.id)


def test_mentioning_someone_who_cannot_see_the_group_links_and_notifies_no_one(
        user, other_user, private_group):
    post = services.create_post(author=user, group=private_group, body="Hello @Hugo Bernard")
    assert 'class="mention"' not in post.body_html
    assert "@Hugo Bernard" in post.body_html
    assert not Mention.objects.exists()
    assert not notified(other_user).exists()


def test_a_guest_is_never_notified_about_a_group_they_are_not_in(user, guest, shared_group,
                                                                  group):
    post = services.create_post(author=user, group=group, body="cc @Victor Vendor")
    assert 'class="mention"' not in post.body_html
    assert not notified(guest).exists()


def test_a_guest_is_mentioned_in_their_shared_group(user, guest, shared_group):
    services.create_post(author=user, group=shared_group, body="cc @Victor Vendor")
    assert notified(guest, Notification.Kind.MENTION).count() == 1


def test_mentioning_oneself_notifies_no_one(user, group):
    post = services.create_post(author=user, group=group, body="Note to @Camille Martin")
    assert 'class="mention"' in post.body_html
    assert not Notification.objects.exists()


def test_two_people_with_the_same_name_are_not_mentioned(user, member, group):
    namesake = make_user("hugo.bernard2@hopital.example", "Hugo Bernard")
    add(group, namesake)
    post = services.create_post(author=user, group=group, body="Hello @Hugo Bernard")
    assert 'class="mention"' not in post.body_html
    assert not Mention.objects.exists()
    assert not notified(member).exists() and not notified(namesake).exists()


def test_an_inactive_person_is_not_mentioned(user, group, inactive_user):
    post = services.create_post(author=user, group=group, body="Hello @Gone Person")
    assert 'class="mention"' not in post.body_html
    assert not Notification.objects.exists()


def test_a_name_starting_with_an_accented_capital_is_mentioned(user, group):
    elodie = make_user("elodie.durand@hopital.example", "Élodie Durand")
    add(group, elodie)
    post = services.create_post(author=user, group=group, body="Bienvenue @Élodie Durand !")
    assert f'data-user-id="{elodie.id}"' in post.body_html
    assert notified(elodie, Notification.Kind.MENTION).count() == 1


# --- update_post --------------------------------------------------------------------------------

def test_update_post_marks_it_edited_and_renders_the_new_text(member, group, sent_events):
    post = services.create_post(author=member, group=group, body="First")
    with sent_events.after_commit():
        services.update_post(actor=member, post=post, body="Second *version*")
    post.refresh_from_db()
    assert post.body == "Second *version*"
    assert "<em>version</em>" in post.body_html
    assert post.edited_at is not None
    [event] = sent_events.of_type("post.updated")
    assert event["stream"] == f"group.{group.id}"
    assert event["data"]["changed"] == ["body"]


def test_update_post_with_the_same_text_changes_nothing(member, group, sent_events):
    post = services.create_post(author=member, group=group, body="Same")
    with sent_events.after_commit():
        services.update_post(actor=member, post=post, body="Same")
    post.refresh_from_db()
    assert post.edited_at is None
    assert sent_events.of_type("post.updated") == []


def test_update_post_notifies_new_mentions_only_once(user, member, third_user, group):
    add(group, third_user)
    post = services.create_post(author=user, group=group, body="cc @Hugo Bernard")
    services.update_post(actor=user, post=post, body="cc @Hugo Bernard and @Léa Petit")
    services.update_post(actor=user, post=post, body="cc @Léa Petit, @Hugo Bernard!")
    assert notified(member, Notification.Kind.MENTION).count() == 1
    assert notified(third_user, Notification.Kind.MENTION).count() == 1
    assert Mention.objects.filter(post=post).count() == 2


def test_update_post_fails_if_user_is_neither_author_nor_admin(user, member, third_user, group):
    add(group, third_user)
    post = services.create_post(author=member, group=group, body="Mine")
    with pytest.raises(PermissionDenied):
        services.update_post(actor=third_user, post=post, body="Yours now")
    post.refresh_from_db()
    assert post.body == "Mine"


def test_group_admins_and_organisation_admins_edit_any_post(member, group_admin, staff_user,
                                                            group):
    post = services.create_post(author=member, group=group, body="Typo")
    services.update_post(actor=group_admin, post=post, body="Fixed")
    services.update_post(actor=staff_user, post=post, body="Fixed again")
    post.refresh_from_db()
    assert post.body == "Fixed again"


def test_nobody_edits_in_an_archived_group(user, group):
    post = services.create_post(author=user, group=group, body="Old")
    group_services.set_archived(actor=user, group=group, archived=True)
    with pytest.raises(PermissionDenied):
        services.update_post(actor=user, post=post, body="New")


def test_announcement_settings_are_changed_by_admins_only(member, group_admin, group):
    post = services.create_post(author=member, group=group, body="Info")
    with pytest.raises(PermissionDenied):
        services.update_post(actor=member, post=post, kind=Post.Kind.ANNOUNCEMENT)
    services.update_post(actor=group_admin, post=post, kind=Post.Kind.ANNOUNCEMENT,
                         requires_ack=True)
    post.refresh_from_db()
    assert post.is_announcement and post.requires_ack
    with pytest.raises(PermissionDenied):
        services.update_post(actor=member, post=post, requires_ack=False)


def test_turning_a_post_into_an_announcement_notifies_the_members(user, member, group_admin,
                                                                  group):
    post = services.create_post(author=member, group=group, body="Info")
    services.update_post(actor=group_admin, post=post, kind=Post.Kind.ANNOUNCEMENT)
    assert notified(user, Notification.Kind.ANNOUNCEMENT).count() == 1
    assert not notified(member, Notification.Kind.ANNOUNCEMENT).exists()
    assert not notified(group_admin).exists()


def test_a_poll_cannot_become_an_announcement(user, group):
    post = services.create_post(author=user, group=group, kind="poll", poll=poll_spec())
    with pytest.raises(ValidationError):
        services.update_post(actor=user, post=post, kind=Post.Kind.ANNOUNCEMENT)


# --- delete_post --------------------------------------------------------------------------------

@pytest.fixture
def busy_announcement(user, member, third_user, group):
    """A required announcement by ``user`` with a receipt, comments, reactions, a mention and
    an attachment, and the notifications they caused."""
    add(group, third_user)
    post = services.create_post(author=user, group=group, body="Read this @Hugo Bernard",
                                kind="announcement", requires_ack=True, attachments=[png()])
    services.acknowledge(user=member, post=post)
    comment = services.add_comment(author=member, post=post, body="Done")
    services.add_comment(author=third_user, post=post, body="Me too", parent=comment)
    services.react(user=third_user, post=post, emoji="👍")
    return post


@pytest.mark.parametrize("actor_name", ["user", "group_admin", "staff_user"])
def test_author_group_admin_and_organisation_admin_delete_a_post(request, busy_announcement,
                                                                 actor_name, sent_events,
                                                                 settings):
    actor = request.getfixturevalue(actor_name)
    post, post_id = busy_announcement, busy_announcement.id
    assert Notification.objects.filter(target_type="post", target_id=post_id).exists()
    assert len(stored_files(settings)) == 1
    document = post.attachments.get().document
    with sent_events.after_commit():
        services.delete_post(actor=actor, post=post)
    assert not Post.objects.filter(id=post_id).exists()
    for model in (Receipt, Comment, Reaction, Mention, Attachment):
        assert not model.objects.exists(), model
    assert not Notification.objects.filter(target_type="post", target_id=post_id).exists()
    # Its file is a document of the library: it goes to the trash, restorable for a while.
    document.refresh_from_db()
    assert document.is_trashed and document.trashed_by == actor
    assert len(stored_files(settings)) == 1
    [event] = sent_events.of_type("post.deleted")
    assert event["stream"] == f"group.{post.group_id}"
    assert event["data"]["post"] == {"id": post_id, "group_id": post.group_id}


def test_delete_post_fails_for_other_members(busy_announcement, member, third_user):
    for person in (member, third_user):
        with pytest.raises(PermissionDenied):
            services.delete_post(actor=person, post=busy_announcement)
    assert Post.objects.filter(id=busy_announcement.id).exists()


def test_deleting_a_poll_deletes_its_votes(user, member, group):
    post = services.create_post(author=user, group=group, kind="poll", poll=poll_spec())
    services.vote(user=member, poll=post.poll, option_ids=[post.poll.options.first().id])
    services.delete_post(actor=user, post=post)
    assert not PollVote.objects.exists() and not Poll.objects.exists()


# --- set_pinned ---------------------------------------------------------------------------------

def test_group_admin_pins_and_unpins_a_post(member, group_admin, group, sent_events):
    post = services.create_post(author=member, group=group, body="Planning")
    with sent_events.after_commit():
        services.set_pinned(actor=group_admin, post=post, pinned=True)
        services.set_pinned(actor=group_admin, post=post, pinned=True)
    post.refresh_from_db()
    assert post.is_pinned
    [event] = sent_events.of_type("post.updated")
    assert event["data"]["changed"] == ["pinned"]
    services.set_pinned(actor=group_admin, post=post, pinned=False)
    post.refresh_from_db()
    assert not post.is_pinned


def test_set_pinned_fails_if_user_is_not_group_admin(member, group):
    post = services.create_post(author=member, group=group, body="Planning")
    with pytest.raises(PermissionDenied):
        services.set_pinned(actor=member, post=post, pinned=True)


# --- comments -----------------------------------------------------------------------------------

def test_a_reply_to_a_reply_attaches_to_the_top_level_comment(user, member, group):
    post = services.create_post(author=user, group=group, body="Hello")
    top = services.add_comment(author=member, post=post, body="Top")
    reply = services.add_comment(author=user, post=post, body="Reply", parent=top)
    deeper = services.add_comment(author=member, post=post, body="Reply to reply", parent=reply)
    assert reply.parent == top
    assert deeper.parent == top


def test_a_reply_to_a_comment_of_another_post_is_refused(user, group):
    first = services.create_post(author=user, group=group, body="One")
    second = services.create_post(author=user, group=group, body="Two")
    comment = services.add_comment(author=user, post=first, body="On one")
    with pytest.raises(ValidationError):
        services.add_comment(author=user, post=second, body="Lost", parent=comment)


def test_comment_count_stays_right_after_adding_and_deleting(user, member, group):
    post = services.create_post(author=user, group=group, body="Hello")
    top = services.add_comment(author=member, post=post, body="Top")
    services.add_comment(author=user, post=post, body="Reply", parent=top)
    other = services.add_comment(author=user, post=post, body="Other")
    post.refresh_from_db()
    assert post.comment_count == 3
    services.delete_comment(actor=member, comment=top)
    post.refresh_from_db()
    assert post.comment_count == 1 == post.comments.count()
    services.delete_comment(actor=user, comment=other)
    post.refresh_from_db()
    assert post.comment_count == 0


def test_a_comment_notifies_the_post_author(user, member, group):
    post = services.create_post(author=user, group=group, body="Hello")
    services.add_comment(author=member, post=post, body="Thanks")
    notification = notified(user, Notification.Kind.REPLY).get()
    assert (notification.actor, notification.target_id) == (member, post.id)
    assert not notified(member).exists()


def test_a_reply_notifies_the_post_author_and_the_parent_author(user, member, third_user,
                                                                 group):
    add(group, third_user)
    post = services.create_post(author=user, group=group, body="Hello")
    top = services.add_comment(author=member, post=post, body="Top")
    services.add_comment(author=third_user, post=post, body="Agreed", parent=top)
    assert notified(member, Notification.Kind.REPLY).count() == 1
    assert notified(user, Notification.Kind.REPLY).count() == 2
    assert not notified(third_user).exists()


def test_a_mentioned_post_author_gets_one_notification(user, member, group):
    post = services.create_post(author=user, group=group, body="Hello")
    services.add_comment(author=member, post=post, body="@Camille Martin done")
    assert list(notified(user).values_list("kind", flat=True)) == [Notification.Kind.MENTION]


def test_comment_created_event_carries_the_count(user, member, group, sent_events):
    post = services.create_post(author=user, group=group, body="Hello")
    services.add_comment(author=user, post=post, body="First")
    with sent_events.after_commit():
        comment = services.add_comment(author=member, post=post, body="Second")
    [event] = sent_events.of_type("comment.created")
    assert event["stream"] == f"group.{group.id}"
    assert (event["data"]["comment_id"], event["data"]["comment_count"]) == (comment.id, 2)


def test_comment_longer_than_the_limit_is_refused(user, group, settings):
    limit(settings, comment_chars=10)
    post = services.create_post(author=user, group=group, body="Hello")
    with pytest.raises(ValidationError) as error:
        services.add_comment(author=user, post=post, body="x" * 11)
    assert "10" in error.value.message_dict["body"][0]


def test_comment_fails_if_user_cannot_see_the_post(user, other_user, private_group):
    post = services.create_post(author=user, group=private_group, body="Internal")
    with pytest.raises(PermissionDenied):
        services.add_comment(author=other_user, post=post, body="Sneaky")
    assert not Comment.objects.exists()


def test_comment_fails_in_an_archived_group(user, group):
    post = services.create_post(author=user, group=group, body="Hello")
    group_services.set_archived(actor=user, group=group, archived=True)
    with pytest.raises(PermissionDenied):
        services.add_comment(author=user, post=post, body="Late")


def test_a_comment_is_deleted_by_its_author_or_an_admin_only(user, member, third_user, group):
    add(group, third_user)
    post = services.create_post(author=member, group=group, body="Hello")
    comment = services.add_comment(author=member, post=post, body="Mine")
    with pytest.raises(PermissionDenied):
        services.delete_comment(actor=third_user, comment=comment)
    with pytest.raises(PermissionDenied):
        services.edit_comment(actor=third_user, comment=comment, body="Yours")
    services.edit_comment(actor=member, comment=comment, body="Mine, edited")
    comment.refresh_from_db()
    assert comment.edited_at is not None
    services.delete_comment(actor=user, comment=comment)
    assert not Comment.objects.exists()


# --- reactions ----------------------------------------------------------------------------------

def test_only_palette_emoji_are_accepted(user, group):
    post = services.create_post(author=user, group=group, body="Hello")
    with pytest.raises(ValidationError) as error:
        services.react(user=user, post=post, emoji="🤡")
    assert "emoji" in error.value.message_dict
    assert not Reaction.objects.exists()


def test_reacting_twice_is_idempotent(user, member, group, sent_events):
    post = services.create_post(author=user, group=group, body="Hello")
    with sent_events.after_commit():
        assert services.react(user=member, post=post, emoji="👍") is True
        assert services.react(user=member, post=post, emoji="👍") is False
    assert Reaction.objects.filter(post=post).count() == 1
    assert len(sent_events.of_type("reaction.changed")) == 1


def test_reaction_changed_event_carries_the_counts(user, member, group, sent_events):
    post = services.create_post(author=user, group=group, body="Hello")
    services.react(user=user, post=post, emoji="👍")
    with sent_events.after_commit():
        services.react(user=member, post=post, emoji="👍")
        services.react(user=member, post=post, emoji="🎉")
    events = sent_events.of_type("reaction.changed")
    assert {event["stream"] for event in events} == {f"group.{group.id}"}
    assert events[-1]["data"] == {"post_id": post.id, "counts": {"👍": 2, "🎉": 1}}


def test_unreact_removes_the_reaction_and_tells_the_group(user, member, group, sent_events):
    post = services.create_post(author=user, group=group, body="Hello")
    services.react(user=member, post=post, emoji="❤️")
    services.react(user=user, post=post, emoji="❤️")
    with sent_events.after_commit():
        assert services.unreact(user=member, post=post, emoji="❤️") is True
        assert services.unreact(user=member, post=post, emoji="❤️") is False
    [event] = sent_events.of_type("reaction.changed")
    assert event["data"]["counts"] == {"❤️": 1}
    assert list(Reaction.objects.values_list("user_id", flat=True)) == [user.id]


def test_who_reacted_is_shown_in_the_summary_in_palette_order(user, member, group):
    post = services.create_post(author=user, group=group, body="Hello")
    services.react(user=member, post=post, emoji="🙏")
    services.react(user=member, post=post, emoji="👍")
    services.react(user=user, post=post, emoji="👍")
    shown = selectors.post_with_details(user, post.id)
    assert selectors.reaction_summary(shown, user) == [
        {"emoji": "👍", "count": 2, "names": ["Hugo Bernard", "Camille Martin"], "mine": True},
        {"emoji": "🙏", "count": 1, "names": ["Hugo Bernard"], "mine": False},
    ]


def test_the_author_is_notified_once_per_person_who_reacts(user, member, third_user, group):
    add(group, third_user)
    post = services.create_post(author=user, group=group, body="Hello")
    services.react(user=member, post=post, emoji="👍")
    services.react(user=member, post=post, emoji="❤️")
    services.unreact(user=member, post=post, emoji="👍")
    services.react(user=member, post=post, emoji="👍")
    services.react(user=third_user, post=post, emoji="👍")
    services.react(user=user, post=post, emoji="👍")
    actors = sorted(notified(user, Notification.Kind.REACTION).values_list("actor_id", flat=True))
    assert actors == sorted([member.id, third_user.id])


def test_react_fails_if_user_cannot_see_the_post(user, other_user, private_group):
    post = services.create_post(author=user, group=private_group, body="Internal")
    with pytest.raises(PermissionDenied):
        services.react(user=other_user, post=post, emoji="👍")
    assert not Reaction.objects.exists()


# --- polls: voting ------------------------------------------------------------------------------

@pytest.fixture
def single_poll(user, group):
    return services.create_post(author=user, group=group, kind="poll",
                                poll=poll_spec("Mon", "Tue", "Wed")).poll


def option_ids(poll):
    return list(poll.options.values_list("id", flat=True))


def test_single_choice_poll_takes_one_option(single_poll, member):
    mon, tue, _wed = option_ids(single_poll)
    with pytest.raises(ValidationError):
        services.vote(user=member, poll=single_poll, option_ids=[mon, tue])
    votes = services.vote(user=member, poll=single_poll, option_ids=[mon])
    assert [v.option_id for v in votes] == [mon]


def test_multiple_choice_poll_takes_several_options(user, member, group):
    poll = services.create_post(author=user, group=group, kind="poll",
                                poll=poll_spec("Mon", "Tue", "Wed", multiple=True)).poll
    mon, tue, wed = option_ids(poll)
    services.vote(user=member, poll=poll, option_ids=[mon, wed])
    assert set(PollVote.objects.filter(user=member).values_list("option_id", flat=True)) == {
        mon, wed}
    services.vote(user=member, poll=poll, option_ids=[tue, wed])
    assert set(PollVote.objects.filter(user=member).values_list("option_id", flat=True)) == {
        tue, wed}


def test_a_vote_can_be_changed_while_the_poll_is_open(single_poll, member, sent_events):
    mon, tue, _wed = option_ids(single_poll)
    services.vote(user=member, poll=single_poll, option_ids=[mon])
    with sent_events.after_commit():
        services.vote(user=member, poll=single_poll, option_ids=[tue])
    assert list(PollVote.objects.values_list("option_id", flat=True)) == [tue]
    assert sent_events.of_type("post.updated")[0]["data"]["changed"] == ["poll"]


def test_a_closed_poll_refuses_votes(user, member, group):
    closes = timezone.now() + timedelta(hours=1)
    poll = services.create_post(author=user, group=group, kind="poll",
                                poll=poll_spec(closes_at=closes)).poll
    with (time_machine.travel(closes + timedelta(seconds=1), tick=False),
          pytest.raises(PermissionDenied)):
        services.vote(user=member, poll=poll, option_ids=option_ids(poll)[:1])
    assert not PollVote.objects.exists()


def test_options_of_another_poll_are_refused(single_poll, user, member, group):
    other = services.create_post(author=user, group=group, kind="poll", poll=poll_spec()).poll
    for chosen in ([option_ids(other)[0]], [], [option_ids(single_poll)[0], option_ids(other)[0]]):
        with pytest.raises(ValidationError):
            services.vote(user=member, poll=single_poll, option_ids=chosen)
    assert not PollVote.objects.exists()


def test_vote_fails_if_user_cannot_see_the_poll(user, other_user, private_group):
    poll = services.create_post(author=user, group=private_group, kind="poll",
                                poll=poll_spec()).poll
    with pytest.raises(PermissionDenied):
        services.vote(user=other_user, poll=poll, option_ids=option_ids(poll)[:1])


# --- announcements: views -----------------------------------------------------------------------

@pytest.fixture
def announcement(user, member, third_user, group):
    """A required announcement by ``user`` (the group's owner) to ``member`` and
    ``third_user``, who reads French."""
    add(group, third_user)
    return services.create_post(author=user, group=group, body="Nouveau protocole",
                                kind="announcement", requires_ack=True)


def test_record_views_is_idempotent_and_keeps_the_first_time(announcement, member):
    first = timezone.now() + timedelta(minutes=5)
    with time_machine.travel(first, tick=False):
        assert services.record_views(user=member, post_ids=[announcement.id]) == [announcement.id]
    with time_machine.travel(first + timedelta(hours=1), tick=False):
        assert services.record_views(user=member, post_ids=[announcement.id]) == []
    receipt = Receipt.objects.get()
    assert (receipt.user, receipt.seen_at, receipt.acknowledged_at) == (member, first, None)


def test_record_views_ignores_non_members_non_announcements_and_hidden_posts(
        user, member, staff_user, private_group, group, announcement):
    plain = services.create_post(author=user, group=group, body="Just a post")
    hidden = services.create_post(author=user, group=private_group, body="Private",
                                  kind="announcement")
    outsider = make_user("zoe.outsider@hopital.example", "Zoé Dupuis")
    assert services.record_views(user=outsider, post_ids=[announcement.id]) == []
    assert services.record_views(user=staff_user, post_ids=[announcement.id, hidden.id]) == []
    assert services.record_views(user=member, post_ids=[plain.id, hidden.id, 999999]) == []
    assert services.record_views(user=user, post_ids=[announcement.id]) == []
    assert not Receipt.objects.exists()


def test_record_views_reads_the_notifications_about_the_post(announcement, member):
    assert notified(member).filter(read_at__isnull=True).count() == 1
    services.record_views(user=member, post_ids=[announcement.id])
    assert not notified(member).filter(read_at__isnull=True).exists()


def test_receipts_changed_goes_to_the_author_and_group_managers_only(user, member, group_admin,
                                                                     third_user, group,
                                                                     sent_events):
    add(group, third_user)
    author = make_user("marc.auteur@hopital.example", "Marc Auteur")
    add(group, author, Role.ADMIN)
    post = services.create_post(author=author, group=group, body="Protocole",
                                kind="announcement", requires_ack=True)
    with sent_events.after_commit():
        services.record_views(user=member, post_ids=[post.id])
    expected = {f"user.{person.id}" for person in (author, user, group_admin)}
    assert sent_events.streams("announcement.receipts_changed") == expected
    counts = sent_events.of_type("announcement.receipts_changed")[0]["data"]["counts"]
    # Audience: the owner, the other admin, the member and the third user.
    assert (counts["audience"], counts["seen"], counts["acknowledged"]) == (4, 1, 0)
    assert counts["seen_percent"] == 25


# --- announcements: acknowledgement -------------------------------------------------------------

def test_acknowledging_twice_keeps_the_first_time(announcement, member, sent_events):
    first = timezone.now() + timedelta(minutes=1)
    with time_machine.travel(first, tick=False), sent_events.after_commit():
        receipt = services.acknowledge(user=member, post=announcement)
    with time_machine.travel(first + timedelta(days=1), tick=False), sent_events.after_commit():
        again = services.acknowledge(user=member, post=announcement)
    assert receipt.acknowledged_at == again.acknowledged_at == first
    assert again.seen_at == first
    assert Receipt.objects.count() == 1
    assert len(sent_events.of_type("announcement.receipts_changed")) == 1


def test_acknowledging_keeps_an_earlier_view(announcement, member):
    seen = timezone.now() + timedelta(minutes=1)
    with time_machine.travel(seen, tick=False):
        services.record_views(user=member, post_ids=[announcement.id])
    with time_machine.travel(seen + timedelta(hours=2), tick=False):
        receipt = services.acknowledge(user=member, post=announcement)
    assert (receipt.seen_at, receipt.acknowledged_at) == (seen, seen + timedelta(hours=2))


def test_acknowledge_fails_if_user_is_not_in_the_audience(announcement, staff_user):
    outsider = make_user("zoe.outsider@hopital.example", "Zoé Dupuis")
    for person in (outsider, staff_user):
        with pytest.raises(PermissionDenied):
            services.acknowledge(user=person, post=announcement)
    assert not Receipt.objects.exists()


def test_acknowledge_fails_for_the_author(announcement, user):
    with pytest.raises(PermissionDenied):
        services.acknowledge(user=user, post=announcement)


def test_acknowledging_a_post_that_asks_for_none_is_refused(user, member, group):
    post = services.create_post(author=user, group=group, body="FYI", kind="announcement")
    with pytest.raises(ValidationError):
        services.acknowledge(user=member, post=post)
    assert not Receipt.objects.exists()


# --- announcements: reminders -------------------------------------------------------------------

def test_remind_notifies_and_emails_those_who_have_not_acknowledged(
        announcement, user, member, third_user, django_capture_on_commit_callbacks):
    services.acknowledge(user=member, post=announcement)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reminder = services.remind(actor=user, post=announcement)
    assert (reminder.sent_by, reminder.recipient_count) == (user, 1)
    kind = Notification.Kind.ANNOUNCEMENT_REMINDER
    assert list(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True)) \
        == [third_user.id]
    [email] = mail.outbox
    assert email.to == [third_user.email]
    reminded = notified(third_user, kind).get()
    link = f"http://example.com{reverse('notifications:open', args=[reminded.id])}"
    assert link in email.body
    assert reminded.emailed_at is not None
    assert reminded.url == reverse("feed:post", args=[announcement.id])


def test_remind_writes_each_email_in_its_recipients_language(
        announcement, user, member, third_user, monkeypatch, django_capture_on_commit_callbacks):
    from notifications import email

    languages = {}
    original = email.describe

    def spy(notification, **kwargs):
        languages[notification.recipient.email] = translation.get_language()
        return original(notification, **kwargs)

    monkeypatch.setattr(email, "describe", spy)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.remind(actor=user, post=announcement)
    assert languages == {member.email: "en", third_user.email: "fr"}
    assert sorted(address for email in mail.outbox for address in email.to) == sorted(
        [member.email, third_user.email])


def test_remind_refuses_within_the_interval_then_allows_after(announcement, user, settings):
    limit(settings, reminder_interval_minutes=240)
    start = timezone.now() + timedelta(minutes=1)
    with time_machine.travel(start, tick=False):
        first = services.remind(actor=user, post=announcement)
    with (time_machine.travel(start + timedelta(minutes=239), tick=False),
          pytest.raises(services.ReminderTooSoon) as error):
        services.remind(actor=user, post=announcement)
    assert error.value.next_at == first.sent_at + timedelta(minutes=240)
    with time_machine.travel(start + timedelta(minutes=240, seconds=1), tick=False):
        services.remind(actor=user, post=announcement)
    assert Reminder.objects.filter(post=announcement).count() == 2


def test_remind_goes_to_those_who_have_not_seen_an_announcement_without_acknowledgement(
        user, member, third_user, group):
    add(group, third_user)
    post = services.create_post(author=user, group=group, body="FYI", kind="announcement")
    services.record_views(user=member, post_ids=[post.id])
    reminder = services.remind(actor=user, post=post)
    assert reminder.recipient_count == 1
    assert notified(third_user, Notification.Kind.ANNOUNCEMENT_REMINDER).exists()
    assert not notified(member, Notification.Kind.ANNOUNCEMENT_REMINDER).exists()


def test_remind_is_refused_when_everyone_has_done_it(announcement, user, member, third_user):
    services.acknowledge(user=member, post=announcement)
    services.acknowledge(user=third_user, post=announcement)
    with pytest.raises(ValidationError):
        services.remind(actor=user, post=announcement)
    assert not Reminder.objects.exists()


def test_remind_fails_if_user_is_neither_author_nor_admin(announcement, member):
    with pytest.raises(PermissionDenied):
        services.remind(actor=member, post=announcement)
    assert not Reminder.objects.exists()


def test_group_admins_and_organisation_admins_remind(announcement, group_admin, staff_user):
    services.remind(actor=group_admin, post=announcement)
    with pytest.raises(services.ReminderTooSoon):
        services.remind(actor=staff_user, post=announcement)


def test_receipt_counts_are_pushed_at_most_once_per_interval_and_never_miss_the_last(
        settings, sent_events, user, other_user, group):
    from django.core.cache import cache
    from django_tasks import default_task_backend

    from groups import services as group_services

    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "receipt_push_seconds": 60}
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"  # the throttle needs a shared cache
    # A queue that keeps the pushes until the test runs them, as a worker would a minute later.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    third, fourth = (make_user(f"reader{n}@hopital.example", f"Reader {n}") for n in (3, 4))
    for person in (other_user, third, fourth):
        group_services.join_group(user=person, group=group)
    post = services.create_post(author=user, group=group, body="Drug recall",
                                kind="announcement", requires_ack=True)
    cache.delete(f"feed:receipt-counts:{post.id}")
    with sent_events.after_commit():
        services.acknowledge(user=other_user, post=post)
        services.acknowledge(user=third, post=post)
    assert len(default_task_backend.results) == 1  # the second found the push scheduled
    with sent_events.after_commit():
        default_task_backend.results[0].task.call(post.id)
        # Committed after the push counted: it must schedule the next one, not be lost.
        services.acknowledge(user=fourth, post=post)
    assert len(default_task_backend.results) == 2
    with sent_events.after_commit():
        default_task_backend.results[1].task.call(post.id)
    pushed = [e["data"]["counts"]["acknowledged"]
              for e in sent_events.of_type("announcement.receipts_changed")]
    assert pushed == [2, 3]
    cache.delete(f"feed:receipt-counts:{post.id}")
