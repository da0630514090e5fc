import csv
import io
import itertools
import json
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from feed import services
from feed.models import Attachment, Comment, PollVote, Post, Reaction, Receipt
from feed.selectors import FEED_PAGE_SIZE
from groups import services as group_services
from groups.models import Membership
from notifications.models import Notification
from tests.conftest import client_for, make_user

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
Role = Membership.Role
# GET / with a full first page: session and user, the reader's groups and roles (once, for
# the feed, its cards and the composer), the "top" ids, the page's ids, the cards' posts and
# their prefetches, the navigation badges and the socket's resume point.
HOME_MAX_QUERIES = 18


# --- Helpers and fixtures ----------------------------------------------------------------------

def feed_url(name, *args):
    return reverse(f"feed:{name}", args=args)


def post_in(group, author, body="Hello", **extra) -> Post:
    return services.create_post(author=author, group=group, body=body, **extra)


def announce(group, author, body="Read me", *, requires_ack=True, **extra) -> Post:
    return services.create_post(author=author, group=group, body=body,
                                kind=Post.Kind.ANNOUNCEMENT, requires_ack=requires_ack, **extra)


def poll_in(group, author, options=("Monday", "Tuesday", "Friday"), **extra) -> Post:
    return services.create_post(author=author, group=group, kind=Post.Kind.POLL,
                                poll=services.PollSpec("Which day?", list(options), **extra))


def option_ids(post: Post) -> list[int]:
    return list(post.poll.options.order_by("position").values_list("id", flat=True))


def png(name="photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (3, 2), "blue").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def text_file(name="rota.txt", content=b"Monday: Camille\n") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/plain")


def add(group, person, role=Role.MEMBER):
    return group_services.add_member(actor=group.created_by, group=group, user=person, role=role)


def card_ids(response) -> list[int]:
    return [card["post"].id for card in response.context["cards"]]


def top_ids(response) -> list[int]:
    return [card["post"].id for card in response.context["top_cards"]]


def feed_top(content: bytes) -> bytes:
    """The "pinned and to acknowledge" section of the home page."""
    return content.split(b'class="feed-top"', 1)[1].split(b'class="feed-stream"', 1)[0]


def login_url():
    return reverse("account_login")


@pytest.fixture
def reader(other_user, group):
    """A plain member of ``group`` (owned by ``user``)."""
    group_services.join_group(user=other_user, group=group)
    return other_user


@pytest.fixture
def reader_client(reader, other_client):
    return other_client


@pytest.fixture
def colleague(group):
    """Another plain member of ``group``."""
    person = make_user("lea.petit@hopital.example", "Lea Petit", department="Urgences",
                       job_title="Aide-soignante", language="en")
    group_services.join_group(user=person, group=group)
    return person


@pytest.fixture
def group_admin(group):
    """An admin of ``group`` who is not its owner."""
    person = make_user("paul.durand@hopital.example", "Paul Durand", department="Pharmacie",
                       language="fr")
    add(group, person, Role.ADMIN)
    return person


@pytest.fixture
def outsider(db):
    """A staff member in no group at all."""
    return make_user("nadia.roux@hopital.example", "Nadia Roux", language="en")


@pytest.fixture
def pharmacy(staff_user):
    """A public group that ``user`` and ``other_user`` are not members of."""
    return group_services.create_group(creator=staff_user, name="Pharmacie")


# --- The home feed -----------------------------------------------------------------------------

def test_home_shows_posts_of_my_groups_and_not_of_others(member_client, user, staff_user, group,
                                                        pharmacy):
    mine = post_in(group, user, "Cardio news")
    post_in(pharmacy, staff_user, "Pharmacy news")
    response = member_client.get(reverse("home"))
    assert response.status_code == 200
    assert card_ids(response) == [mine.id]
    assert b"Cardio news" in response.content
    assert b"Pharmacy news" not in response.content


def test_home_of_a_guest_holds_only_the_shared_group(guest_client, user, group, shared_group):
    post_in(group, user, "Internal only")
    shared = post_in(shared_group, user, "For our partner")
    response = guest_client.get(reverse("home"))
    assert card_ids(response) == [shared.id]
    assert b"Internal only" not in response.content


@pytest.mark.parametrize("kind", ["announcements", "mentions", "polls"])
def test_home_filters_by_kind(kind, reader_client, user, reader, group):
    post_in(group, user, "Plain post")
    announcement = announce(group, user, requires_ack=False)
    poll = poll_in(group, user)
    mention = post_in(group, user, "Thanks @Hugo Bernard")
    expected = {"announcements": announcement, "mentions": mention, "polls": poll}[kind]
    response = reader_client.get(reverse("home"), {"kind": kind})
    assert top_ids(response) + card_ids(response) == [expected.id]
    assert response.context["kind"] == kind


def test_home_with_an_unknown_kind_shows_everything(reader_client, user, reader, group):
    first, second = post_in(group, user, "One"), post_in(group, user, "Two")
    response = reader_client.get(reverse("home"), {"kind": "secrets"})
    assert response.status_code == 200
    assert set(card_ids(response)) == {first.id, second.id}


def test_home_filters_by_one_of_my_groups(member_client, user, group, private_group):
    post_in(group, user, "In cardiology")
    management = post_in(private_group, user, "For managers")
    response = member_client.get(reverse("home"), {"group": private_group.slug})
    assert card_ids(response) == [management.id]
    assert response.context["filter_group"] == private_group


def test_home_filter_by_a_group_i_am_not_in_does_not_show_its_posts(member_client, user,
                                                                   staff_user, group, pharmacy):
    mine = post_in(group, user, "In cardiology")
    post_in(pharmacy, staff_user, "Pharmacy news")
    response = member_client.get(reverse("home"), {"group": pharmacy.slug})
    assert card_ids(response) == [mine.id]
    assert b"Pharmacy news" not in response.content


def test_announcement_awaiting_my_acknowledgement_is_on_top_with_the_button(reader_client, user,
                                                                           reader, group):
    announcement = announce(group, user, "New infection protocol")
    newer = post_in(group, user, "Coffee in the break room")
    response = reader_client.get(reverse("home"))
    assert top_ids(response) == [announcement.id]
    assert card_ids(response) == [newer.id]
    top = feed_top(response.content)
    assert b"New infection protocol" in top
    assert b"I have read and understood" in top
    assert feed_url("acknowledge", announcement.id).encode() in top


def test_acknowledged_announcement_leaves_the_top(reader_client, user, reader, group):
    announcement = announce(group, user)
    services.acknowledge(user=reader, post=announcement)
    response = reader_client.get(reverse("home"))
    assert top_ids(response) == []
    assert card_ids(response) == [announcement.id]
    assert b"I have read and understood" not in response.content


def test_author_is_not_asked_to_acknowledge_their_own_announcement(member_client, user, group):
    announcement = announce(group, user)
    response = member_client.get(reverse("home"))
    assert announcement.id not in top_ids(response)
    assert b"I have read and understood" not in response.content


@pytest.fixture
def many_posts(user, group):
    """One more post than a page holds, oldest first."""
    return [post_in(group, user, f"Post number {n}") for n in range(FEED_PAGE_SIZE + 1)]


def test_home_offers_load_more_with_a_cursor(member_client, many_posts):
    response = member_client.get(reverse("home"))
    cursor = response.context["next_cursor"]
    assert cursor
    assert len(response.context["cards"]) == FEED_PAGE_SIZE
    assert f"cursor={cursor}".encode() in response.content
    assert b"Load more posts" in response.content


def test_htmx_load_more_returns_only_the_next_page_fragment(member_client, many_posts):
    cursor = member_client.get(reverse("home")).context["next_cursor"]
    response = member_client.get(reverse("home"), {"cursor": cursor}, **HTMX)
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"feed-aside" not in response.content
    assert card_ids(response) == [many_posts[0].id]
    assert response.context["next_cursor"] is None
    assert b"Load more posts" not in response.content


def test_load_more_keeps_the_filters_in_its_link(reader_client, user, reader, group):
    for n in range(FEED_PAGE_SIZE + 1):
        poll_in(group, user, options=(f"A{n}", f"B{n}"))
    response = reader_client.get(reverse("home"), {"kind": "polls"})
    assert response.context["next_cursor"]
    assert b"kind=polls&amp;cursor=" in response.content


@pytest.mark.parametrize("cursor", ["garbage", "1.x", "99999999999999999999999999.1", "."])
def test_bad_cursor_redirects_to_the_first_page(cursor, member_client, many_posts):
    response = member_client.get(reverse("home"), {"cursor": cursor})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert member_client.get(reverse("home"), {"cursor": cursor}, **HTMX).status_code == 302


def ack_badge(content: bytes) -> bytes:
    return content.split(b'data-badge="ack"', 1)[1].split(b"</span></span>", 1)[0]


def notification_badge(content: bytes) -> bytes:
    return content.split(b'data-badge="notifications"', 1)[1].split(b"</span></span>", 1)[0]


def test_navigation_badges_count_announcements_to_acknowledge_and_unread_notifications(
        reader_client, user, reader, group):
    first = announce(group, user, "First protocol")
    announce(group, user, "Second protocol")
    services.react(user=user, post=post_in(group, reader, "Mine"), emoji="👍")
    response = reader_client.get(reverse("home"))
    assert b'<span aria-hidden="true">2</span>' in ack_badge(response.content)
    assert b'data-count="3"' in notification_badge(response.content)

    services.acknowledge(user=reader, post=first)
    response = reader_client.get(reverse("home"))
    assert b'<span aria-hidden="true">1</span>' in ack_badge(response.content)
    # Acknowledging reads the notification that pointed at the announcement.
    assert b'data-count="2"' in notification_badge(response.content)


def test_navigation_badges_are_hidden_when_there_is_nothing(member_client, group):
    response = member_client.get(reverse("home"))
    assert b" hidden" in response.content.split(b'data-badge="ack"', 1)[1][:40]
    assert b'data-count="0" hidden' in response.content


_fans = itertools.count()


def _fill(group, author, reader, *, posts: int, comments: int, reactions: int):
    """Posts of every kind, each with comments and replies, reactions, files and votes."""
    people = [make_user(f"fan{n}@hopital.example", f"Fan {n}")
              for n in itertools.islice(_fans, reactions)]
    for person in people:
        group_services.join_group(user=person, group=group)
    announce(group, author, "To acknowledge")
    pinned = post_in(group, author, "Pinned")
    services.set_pinned(actor=author, post=pinned, pinned=True)
    for n in range(posts):
        kind = [Post.Kind.POST, Post.Kind.ANNOUNCEMENT, Post.Kind.POLL][n % 3]
        post = services.create_post(
            author=author, group=group, body=f"Post {n}", kind=kind,
            poll=services.PollSpec("Which?", ["A", "B"]) if kind == Post.Kind.POLL else None,
            attachments=[text_file(f"f{n}.txt"), png(f"p{n}.png")])
        for c in range(comments):
            comment = services.add_comment(author=reader, post=post, body=f"Comment {c}")
            services.add_comment(author=author, post=post, body="Reply", parent=comment)
        for person in [reader, *people]:
            services.react(user=person, post=post, emoji="👍")
        if kind == Post.Kind.POLL:
            services.vote(user=reader, poll=post.poll, option_ids=option_ids(post)[:1])
        if kind == Post.Kind.ANNOUNCEMENT:
            services.record_views(user=reader, post_ids=[post.id])


def _home_queries(client, django_assert_max_num_queries) -> tuple[int, object]:
    with django_assert_max_num_queries(HOME_MAX_QUERIES), \
            CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return len(queries), response


def test_home_feed_costs_a_constant_number_of_queries(user, reader, reader_client, group,
                                                      django_assert_max_num_queries):
    reader_client.get(reverse("home"))  # the session's first use is not what is measured
    _fill(group, user, reader, posts=3, comments=1, reactions=1)
    few_count, few = _home_queries(reader_client, django_assert_max_num_queries)
    assert len(few.context["cards"]) == 3 and len(few.context["top_cards"]) == 2

    _fill(group, user, reader, posts=24, comments=3, reactions=4)
    many_count, many = _home_queries(reader_client, django_assert_max_num_queries)
    assert len(many.context["cards"]) == FEED_PAGE_SIZE and len(many.context["top_cards"]) == 4
    assert many_count == few_count


def test_home_feed_queries_do_not_grow_with_the_groups_on_the_page(
        user, reader, reader_client, group, django_assert_max_num_queries):
    reader_client.get(reverse("home"))
    post_in(group, user, "Only one group")
    few_count, _few = _home_queries(reader_client, django_assert_max_num_queries)
    for n in range(8):
        other = group_services.create_group(creator=user, name=f"Equipe {n}")
        group_services.join_group(user=reader, group=other)
        post_in(other, user, f"In team {n}")
    many_count, many = _home_queries(reader_client, django_assert_max_num_queries)
    assert len({card["post"].group_id for card in many.context["cards"]}) == 9
    assert many_count == few_count


def test_anonymous_visitor_of_home_is_sent_to_login(anonymous_client):
    response = anonymous_client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(login_url())


# --- Creating posts ----------------------------------------------------------------------------

def compose(client, group, body="Hello team", kind="post", **extra):
    data = {"group": group.slug, "body": body, "kind": kind, **extra}
    return client.post(feed_url("create"), data)


def test_member_posts_in_their_group_and_is_sent_to_the_post(reader_client, reader, group):
    response = compose(reader_client, group, "Hello team")
    post = Post.objects.get()
    assert (post.author, post.group, post.body, post.kind) == (reader, group, "Hello team", "post")
    assert response.status_code == 302
    assert response["Location"] == feed_url("post", post.id)


def test_posting_goes_back_to_a_local_next_page_only(reader_client, reader, group):
    back = reverse("groups:detail", args=[group.slug])
    assert compose(reader_client, group, next=back)["Location"] == back
    response = compose(reader_client, group, next="https://evil.example/")
    assert response["Location"] == feed_url("post", Post.objects.order_by("-id").first().id)


def test_group_admin_posts_a_required_announcement_with_a_deadline(member_client, user, reader,
                                                                   group):
    deadline = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = compose(member_client, group, "New rota", kind="announcement",
                       requires_ack="on", ack_deadline=deadline)
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.is_announcement and post.requires_ack and post.ack_deadline is not None
    assert Notification.objects.filter(recipient=reader, kind="announcement").exists()


def test_member_creates_a_poll(reader_client, group):
    response = compose(reader_client, group, "Team lunch", kind="poll", poll_question="Where?",
                       poll_option_0="Canteen", poll_option_1="Park", poll_multiple="on")
    assert response.status_code == 302
    poll = Post.objects.get().poll
    assert poll.question == "Where?" and poll.multiple
    assert list(poll.options.values_list("label", flat=True)) == ["Canteen", "Park"]


def test_empty_post_is_a_422_with_the_composer_and_the_error(reader_client, group):
    response = compose(reader_client, group, "   ")
    assert response.status_code == 422
    assert b"Write something first." in response.content
    assert b'action="' + feed_url("create").encode() in response.content
    assert not Post.objects.exists()


def test_poll_with_one_option_is_a_422_that_keeps_what_was_typed(reader_client, group):
    response = compose(reader_client, group, "Team lunch on Friday", kind="poll",
                       poll_question="Where shall we go?", poll_option_0="Canteen")
    assert response.status_code == 422
    assert b"A poll has 2 to 10 options." in response.content
    assert b"Team lunch on Friday" in response.content
    assert b"Where shall we go?" in response.content
    assert b'value="Canteen"' in response.content
    assert not Post.objects.exists()


def test_a_refused_post_says_its_files_must_be_chosen_again(reader_client, group):
    files = [SimpleUploadedFile(f"plan-{n}.txt", b"Plan", content_type="text/plain")
             for n in range(2)]
    response = compose(reader_client, group, "Read this", kind="announcement", attachments=files)
    assert response.status_code == 422
    assert b"The 2 files you chose were not kept: choose them again." in response.content
    plain = compose(reader_client, group, "   ")
    assert b"were not kept" not in plain.content and b"was not kept" not in plain.content


def test_announcement_by_a_member_who_is_not_admin_is_a_422(reader_client, group):
    response = compose(reader_client, group, "Everyone must read this", kind="announcement")
    assert response.status_code == 422
    assert b"Everyone must read this" in response.content
    assert response.context["composer"].errors["kind"]
    assert not Post.objects.exists()


def test_announcement_in_a_group_where_i_am_not_admin_names_the_rule(reader_client, reader,
                                                                    group):
    # Owner of another group, so the composer offers announcements.
    group_services.create_group(creator=reader, name="Informatique")
    response = compose(reader_client, group, "Everyone must read this", kind="announcement")
    assert response.status_code == 422
    assert b"Everyone must read this" in response.content
    assert b"Only the group&#x27;s admins can post announcements." in response.content
    assert not Post.objects.exists()


def test_non_member_of_a_private_group_cannot_post_in_it(other_client, private_group):
    response = compose(other_client, private_group, "Let me in")
    assert response.status_code == 422
    assert b"Choose one of your groups." in response.content
    assert b"Let me in" in response.content
    assert not Post.objects.exists()


def test_non_member_of_a_public_group_cannot_post_in_it(other_client, group):
    response = compose(other_client, group, "Drive-by post")
    assert response.status_code == 422
    assert response.context["composer"].errors["group"]
    assert not Post.objects.exists()


def test_guest_posts_in_the_shared_group_only(guest_client, guest, group, shared_group):
    response = compose(guest_client, group, "Outside")
    assert response.status_code == 422
    assert not Post.objects.exists()
    assert compose(guest_client, shared_group, "Inside")["Location"].startswith("/posts/")
    assert Post.objects.get().group == shared_group


def test_organisation_admin_posts_in_a_group_they_are_not_a_member_of(staff_client, staff_user,
                                                                      group):
    response = compose(staff_client, group, "From the management", kind="announcement")
    assert response.status_code == 302
    post = Post.objects.get()
    assert (post.author, post.group, post.kind) == (staff_user, group, "announcement")


def test_anonymous_cannot_post_and_is_sent_to_login(anonymous_client, group):
    response = compose(anonymous_client, group, "Hello")
    assert response.status_code == 302
    assert response["Location"].startswith(login_url())
    assert not Post.objects.exists()


def test_create_post_refuses_get(reader_client):
    assert reader_client.get(feed_url("create")).status_code == 405


# --- Attachments -------------------------------------------------------------------------------

@pytest.fixture
def attached(member_client, other_user, private_group):
    """A post in ``private_group`` (``other_user`` is a member) with an image and a text file."""
    add(private_group, other_user)
    response = member_client.post(feed_url("create"), {
        "group": private_group.slug, "body": "The new rota", "kind": "post",
        "attachments": [png("rota.png"), text_file("rota.txt")]})
    assert response.status_code == 302
    post = Post.objects.get()
    return {a.name: a for a in post.attachments.all()}


def attachment_url(item, **query):
    url = feed_url("attachment", item.id, item.name)
    return f"{url}?download=1" if query.get("download") else url


def test_uploaded_attachments_are_stored_with_their_sniffed_type(attached):
    image, text = attached["rota.png"], attached["rota.txt"]
    assert (image.content_type, image.is_image, image.width, image.height) == (
        "image/png", True, 3, 2)
    assert (text.content_type, text.is_image) == ("text/plain", False)


def document_url(item, name="detail"):
    return reverse(f"documents:{name}", args=[item.document_id])


def test_attached_files_are_documents_of_the_groups_attachments_folder(attached, user):
    for item in attached.values():
        document = item.document
        assert document.group == item.post.group and document.folder.is_attachments
        assert document.uploaded_by == user and document.name == item.name


def test_an_old_attachment_link_leads_an_image_to_the_librarys_inline_view(other_client,
                                                                           attached):
    response = other_client.get(attachment_url(attached["rota.png"]))
    assert response.status_code == 302
    assert response["Location"] == document_url(attached["rota.png"], "view")
    response = other_client.get(response["Location"])
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_an_old_attachment_link_leads_other_files_to_the_librarys_download(other_client,
                                                                           attached):
    response = other_client.get(attachment_url(attached["rota.txt"]), follow=True)
    assert response.redirect_chain == [(document_url(attached["rota.txt"], "download"), 302)]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="rota.txt"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"Monday: Camille\n"


def test_image_can_be_downloaded_instead_of_shown(other_client, attached):
    response = other_client.get(attachment_url(attached["rota.png"], download=True), follow=True)
    assert response["Content-Disposition"].startswith("attachment")


def test_html_attachment_is_never_served_as_html(reader_client, group):
    compose(reader_client, group, "Page", attachments=[
        text_file("page.html", b"<script>alert(1)</script>")])
    item = Attachment.objects.get()
    for url in (document_url(item, "download"), document_url(item, "view")):
        response = reader_client.get(url)
        assert response["Content-Type"].startswith("text/plain")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]


def test_attachment_is_404_for_outsiders_guests_and_unknown_ids(outsider, guest_client,
                                                                shared_group, attached):
    item = attached["rota.png"]
    for client in (client_for(outsider), guest_client):
        for url in (attachment_url(item), document_url(item, "view"),
                    document_url(item, "download"), document_url(item)):
            assert client.get(url).status_code == 404, url
    assert client_for(outsider).get(feed_url("attachment", 999999, "x.png")).status_code == 404
    assert client_for(outsider).get(feed_url("attachment", 2**63, "x.png")).status_code == 404


def test_a_removed_member_gets_404_on_the_attachment(other_user, other_client, attached,
                                                     private_group):
    group_services.remove_member(actor=private_group.created_by, group=private_group,
                                 user=other_user)
    item = attached["rota.txt"]
    assert other_client.get(document_url(item, "download")).status_code == 404
    assert other_client.get(attachment_url(item)).status_code == 404


def test_attachment_sends_anonymous_visitors_to_login(anonymous_client, attached):
    for url in (attachment_url(attached["rota.png"]),
                document_url(attached["rota.png"], "download")):
        response = anonymous_client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(login_url())


def test_post_card_shows_its_attachments_from_the_library(other_client, attached):
    image, text = attached["rota.png"], attached["rota.txt"]
    response = other_client.get(feed_url("post", image.post_id))
    page = response.content.decode()
    # The image inline through the library's access-checked view, linking to its page.
    assert f'src="{reverse("documents:version_view", args=[image.document_id, 1])}"' in page
    assert f'href="{document_url(image)}"' in page
    # Other files as chips: their page, and their download.
    assert f'href="{document_url(text)}"' in page
    assert f'href="{document_url(text, "download")}"' in page
    assert "Download rota.txt" in page and "Text file" in page
    assert "/attachments/" not in page


def test_an_attachment_trashed_in_the_library_leaves_the_card_until_restored(
        member_client, other_client, attached, user):
    from documents import services as documents

    text = attached["rota.txt"]
    documents.trash_document(actor=user, document=text.document)
    page = other_client.get(feed_url("post", text.post_id)).content.decode()
    assert document_url(text) not in page and document_url(attached["rota.png"]) in page
    assert other_client.get(attachment_url(text)).status_code == 404
    documents.restore_document(actor=user, document=text.document)
    page = other_client.get(feed_url("post", text.post_id)).content.decode()
    assert document_url(text) in page


def test_composer_tells_when_a_file_was_saved_under_its_real_kind(reader_client, group):
    response = compose(reader_client, group, "Scan", attachments=[png("scan.pdf")])
    assert Attachment.objects.get().name == "scan.png"
    response = reader_client.get(response["Location"])
    assert any("scan.pdf" in str(message) for message in response.context["messages"])


def test_composer_refuses_a_kind_the_library_does_not_accept(reader_client, group, settings):
    response = compose(reader_client, group, "Tool", attachments=[
        SimpleUploadedFile("tool.pdf", b"MZ\x90\x00" + bytes(300))])
    assert response.status_code == 422
    assert "tool.pdf" in response.content.decode()
    assert not Post.objects.exists()


# --- Reading one post --------------------------------------------------------------------------

@pytest.fixture
def hidden_posts(user, private_group, secret_group, group):
    return {"private": post_in(private_group, user, "Managers only"),
            "secret": post_in(secret_group, user, "Crisis cell only"),
            "public": post_in(group, user, "For every staff member")}


@pytest.mark.parametrize("view", ["post", "card"])
def test_member_reads_a_post_and_its_card(view, member_client, hidden_posts):
    for post in hidden_posts.values():
        response = member_client.get(feed_url(view, post.id))
        assert response.status_code == 200
        assert post.body.encode() in response.content


def test_card_is_a_fragment_and_detail_a_page(member_client, hidden_posts):
    post = hidden_posts["public"]
    assert b"<html" not in member_client.get(feed_url("card", post.id)).content
    assert b"<html" in member_client.get(feed_url("post", post.id)).content


@pytest.mark.parametrize("view", ["post", "card"])
def test_non_member_reads_a_public_group_post(view, other_client, hidden_posts):
    assert other_client.get(feed_url(view, hidden_posts["public"].id)).status_code == 200


@pytest.mark.parametrize("view", ["post", "card"])
@pytest.mark.parametrize("which", ["private", "secret"])
def test_non_member_gets_404_for_private_and_secret_group_posts(view, which, other_client,
                                                                hidden_posts):
    assert other_client.get(feed_url(view, hidden_posts[which].id)).status_code == 404


@pytest.mark.parametrize("view", ["post", "card"])
def test_guest_gets_404_outside_the_shared_group(view, guest_client, user, shared_group,
                                                 hidden_posts):
    for post in hidden_posts.values():
        assert guest_client.get(feed_url(view, post.id)).status_code == 404
    shared = post_in(shared_group, user, "Shared")
    assert guest_client.get(feed_url(view, shared.id)).status_code == 200


@pytest.mark.parametrize("view", ["post", "card"])
def test_missing_post_is_404(view, member_client):
    assert member_client.get(feed_url(view, 999999)).status_code == 404
    assert member_client.get(feed_url(view, 10**30)).status_code == 404


def test_anonymous_reader_of_a_post_is_sent_to_login(anonymous_client, hidden_posts):
    response = anonymous_client.get(feed_url("post", hidden_posts["public"].id))
    assert response["Location"].startswith(login_url())


def test_post_page_shows_every_comment(member_client, user, reader, group):
    post = post_in(group, user)
    for n in range(4):
        services.add_comment(author=reader, post=post, body=f"Comment number {n}")
    content = member_client.get(feed_url("post", post.id)).content
    assert all(f"Comment number {n}".encode() in content for n in range(4))


# --- Editing, deleting, pinning ----------------------------------------------------------------

@pytest.fixture
def readers_post(reader, group):
    return post_in(group, reader, "First version")


def test_author_edits_their_post(reader_client, readers_post):
    assert reader_client.get(feed_url("edit", readers_post.id)).status_code == 200
    response = reader_client.post(feed_url("edit", readers_post.id), {"body": "Second version"})
    assert response.status_code == 302
    readers_post.refresh_from_db()
    assert readers_post.body == "Second version" and readers_post.edited_at is not None


def test_group_admin_edits_a_members_post(member_client, readers_post):
    response = member_client.post(feed_url("edit", readers_post.id), {"body": "Corrected"})
    assert response.status_code == 302
    readers_post.refresh_from_db()
    assert readers_post.body == "Corrected"


def test_edit_form_shows_the_current_text(reader_client, readers_post):
    assert b"First version" in reader_client.get(feed_url("edit", readers_post.id)).content


def test_emptying_a_post_is_a_form_error_and_keeps_the_post(reader_client, readers_post):
    response = reader_client.post(feed_url("edit", readers_post.id), {"body": ""})
    assert response.status_code == 200
    assert b"Write something first." in response.content
    readers_post.refresh_from_db()
    assert readers_post.body == "First version"


def test_other_member_gets_403_for_edit(colleague, readers_post):
    client = client_for(colleague)
    assert client.get(feed_url("edit", readers_post.id)).status_code == 403
    assert client.post(feed_url("edit", readers_post.id), {"body": "Mine now"}).status_code == 403
    readers_post.refresh_from_db()
    assert readers_post.body == "First version"


def test_outsider_gets_404_for_edit(other_client, user, private_group):
    post = post_in(private_group, user)
    assert other_client.get(feed_url("edit", post.id)).status_code == 404
    assert other_client.post(feed_url("edit", post.id), {"body": "x"}).status_code == 404


@pytest.mark.parametrize("deleter", ["author", "group_admin", "organisation_admin"])
def test_author_group_admin_and_organisation_admin_delete_a_post(deleter, reader, user,
                                                                 staff_user, readers_post):
    person = {"author": reader, "group_admin": user, "organisation_admin": staff_user}[deleter]
    response = client_for(person).post(feed_url("delete", readers_post.id))
    assert response.status_code == 302
    assert not Post.objects.filter(id=readers_post.id).exists()


def test_delete_with_htmx_returns_nothing(reader_client, readers_post):
    response = reader_client.post(feed_url("delete", readers_post.id), **HTMX)
    assert response.status_code == 200 and response.content == b""
    assert not Post.objects.exists()


def test_other_member_gets_403_for_delete(colleague, readers_post):
    assert client_for(colleague).post(feed_url("delete", readers_post.id)).status_code == 403
    assert Post.objects.filter(id=readers_post.id).exists()


def test_outsider_gets_404_for_delete(other_client, user, private_group):
    post = post_in(private_group, user)
    assert other_client.post(feed_url("delete", post.id)).status_code == 404
    assert Post.objects.filter(id=post.id).exists()


def test_group_admin_pins_and_unpins(member_client, readers_post):
    response = member_client.post(feed_url("pin", readers_post.id), {"pinned": "1"}, **HTMX)
    assert response.status_code == 200
    assert b"tag-pinned" in response.content
    readers_post.refresh_from_db()
    assert readers_post.is_pinned
    member_client.post(feed_url("pin", readers_post.id), {"pinned": "0"})
    readers_post.refresh_from_db()
    assert not readers_post.is_pinned


def test_member_gets_403_for_pin(reader_client, readers_post):
    assert reader_client.post(feed_url("pin", readers_post.id), {"pinned": "1"}).status_code == 403
    readers_post.refresh_from_db()
    assert not readers_post.is_pinned


# --- Comments ----------------------------------------------------------------------------------

@pytest.fixture
def post(user, reader, group):
    return post_in(group, user, "Shift change at 7")


def test_htmx_comment_returns_the_card_with_the_comment(reader_client, reader, post):
    response = reader_client.post(feed_url("comment", post.id), {"body": "Noted, thanks"}, **HTMX)
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert f'id="post-{post.id}"'.encode() in response.content
    assert b"Noted, thanks" in response.content
    assert Comment.objects.get().author == reader


def test_comment_without_htmx_goes_to_the_comment(reader_client, post):
    response = reader_client.post(feed_url("comment", post.id), {"body": "Noted"})
    comment = Comment.objects.get()
    assert response["Location"] == f"{feed_url('post', post.id)}#comment-{comment.id}"


def test_empty_comment_is_a_422_text_message_and_nothing_is_stored(reader_client, post):
    response = reader_client.post(feed_url("comment", post.id), {"body": "  "}, **HTMX)
    assert response.status_code == 422
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == "Write something first."
    assert not Comment.objects.exists()


def test_reply_to_a_reply_joins_the_thread(reader_client, user, post):
    thread = services.add_comment(author=user, post=post, body="Who takes Sunday?")
    reply = services.add_comment(author=user, post=post, body="Not me", parent=thread)
    response = reader_client.post(feed_url("comment", post.id),
                                  {"body": "I will", "parent": str(reply.id)}, **HTMX)
    assert response.status_code == 200
    answer = Comment.objects.get(body="I will")
    assert answer.parent_id == thread.id
    assert b"I will" in response.content


@pytest.mark.parametrize("parent", ["²", "99999999999999999999999", "x", ""])
def test_reply_to_a_parent_that_cannot_exist_is_a_top_level_comment(parent, reader_client, post):
    response = reader_client.post(feed_url("comment", post.id),
                                  {"body": "Noted", "parent": parent}, **HTMX)
    assert response.status_code == 200
    assert Comment.objects.get().parent is None


def test_comment_on_a_post_i_cannot_see_is_404(other_client, user, private_group):
    post = post_in(private_group, user)
    assert other_client.post(feed_url("comment", post.id), {"body": "Hi"}).status_code == 404
    assert not Comment.objects.exists()


@pytest.fixture
def readers_comment(reader, post):
    return services.add_comment(author=reader, post=post, body="Delete me")


@pytest.mark.parametrize("deleter", ["author", "group_admin"])
def test_author_and_group_admin_delete_a_comment(deleter, reader, user, post, readers_comment):
    person = {"author": reader, "group_admin": user}[deleter]
    response = client_for(person).post(feed_url("delete_comment", readers_comment.id), **HTMX)
    assert response.status_code == 200
    assert b"Delete me" not in response.content
    assert not Comment.objects.exists()
    post.refresh_from_db()
    assert post.comment_count == 0


def test_other_member_gets_403_for_deleting_a_comment(colleague, readers_comment):
    response = client_for(colleague).post(feed_url("delete_comment", readers_comment.id))
    assert response.status_code == 403
    assert Comment.objects.exists()


def test_outsider_gets_404_for_deleting_a_comment(other_client, user, private_group):
    post = post_in(private_group, user)
    comment = services.add_comment(author=user, post=post, body="Hidden")
    assert other_client.post(feed_url("delete_comment", comment.id)).status_code == 404
    assert other_client.post(feed_url("delete_comment", 999999)).status_code == 404
    assert Comment.objects.filter(id=comment.id).exists()


# --- Reactions ---------------------------------------------------------------------------------

def test_reacting_twice_toggles_the_reaction(reader_client, reader, post):
    response = reader_client.post(feed_url("react", post.id), {"emoji": "👍"}, **HTMX)
    assert response.status_code == 200
    assert b"reaction-mine" in response.content
    assert Reaction.objects.filter(post=post, user=reader, emoji="👍").exists()
    response = reader_client.post(feed_url("react", post.id), {"emoji": "👍", "remove": "1"},
                                  **HTMX)
    assert response.status_code == 200
    assert b"reaction-mine" not in response.content
    assert not Reaction.objects.exists()


def test_reaction_outside_the_palette_is_a_422(reader_client, post):
    response = reader_client.post(feed_url("react", post.id), {"emoji": "💩"}, **HTMX)
    assert response.status_code == 422
    assert response.content.decode() == "Choose one of the offered reactions."
    assert not Reaction.objects.exists()


def test_reacting_to_a_post_i_cannot_see_is_404(other_client, user, private_group):
    post = post_in(private_group, user)
    assert other_client.post(feed_url("react", post.id), {"emoji": "👍"}).status_code == 404
    assert not Reaction.objects.exists()


# --- Polls -------------------------------------------------------------------------------------

def test_vote_in_a_single_choice_poll_and_change_it(reader_client, reader, user, group):
    poll = poll_in(group, user)
    monday, tuesday, _friday = option_ids(poll)
    response = reader_client.post(feed_url("vote", poll.id), {"option": str(tuesday)}, **HTMX)
    assert response.status_code == 200
    assert b"Your vote" in response.content
    reader_client.post(feed_url("vote", poll.id), {"option": str(monday)}, **HTMX)
    assert list(PollVote.objects.filter(user=reader).values_list("option_id", flat=True)) == [
        monday]


def test_two_choices_in_a_single_choice_poll_are_a_422(reader_client, user, group):
    poll = poll_in(group, user)
    response = reader_client.post(feed_url("vote", poll.id), {"option": option_ids(poll)[:2]},
                                  **HTMX)
    assert response.status_code == 422
    assert response.content.decode() == "Choose one option."
    assert not PollVote.objects.exists()


@pytest.mark.parametrize("option", ["²", "99999999999999999999999", "x", "999999"])
def test_vote_for_an_option_that_cannot_exist_is_a_422(option, reader_client, user, group):
    poll = poll_in(group, user)
    response = reader_client.post(feed_url("vote", poll.id), {"option": option}, **HTMX)
    assert response.status_code == 422
    assert response.content.decode() == "Choose among the poll's options."
    assert not PollVote.objects.exists()


def test_vote_for_several_options_of_a_multiple_choice_poll(reader_client, reader, user, group):
    poll = poll_in(group, user, multiple=True)
    monday, _tuesday, friday = option_ids(poll)
    response = reader_client.post(feed_url("vote", poll.id), {"option": [monday, friday]})
    assert response.status_code == 302
    assert set(PollVote.objects.filter(user=reader).values_list("option_id", flat=True)) == {
        monday, friday}


def _close(poll_post):
    poll_post.poll.closes_at = timezone.now() - timedelta(minutes=1)
    poll_post.poll.save(update_fields=["closes_at"])


def test_vote_in_a_closed_poll_is_refused_with_a_clear_message(reader_client, user, group):
    poll = poll_in(group, user)
    _close(poll)
    response = reader_client.post(feed_url("vote", poll.id), {"option": option_ids(poll)[0]})
    assert response.status_code == 403
    assert b"This poll is closed." in response.content
    response = reader_client.post(feed_url("vote", poll.id), {"option": option_ids(poll)[0]},
                                  **HTMX)
    assert response.status_code == 403
    # htmx shows a text/plain answer beside the form, anything else as "something went wrong".
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == "This poll is closed."
    assert not PollVote.objects.exists()


def test_closed_poll_shows_results_and_no_vote_form(reader_client, user, group):
    poll = poll_in(group, user)
    services.vote(user=user, poll=poll.poll, option_ids=option_ids(poll)[:1])
    _close(poll)
    response = reader_client.get(feed_url("card", poll.id))
    assert b"poll-results" in response.content
    assert feed_url("vote", poll.id).encode() not in response.content


def test_vote_on_a_post_that_is_not_a_poll_is_404(reader_client, post):
    assert reader_client.post(feed_url("vote", post.id), {"option": "1"}).status_code == 404
    assert reader_client.get(feed_url("voters", post.id)).status_code == 404


def test_vote_on_a_poll_i_cannot_see_is_404(other_client, user, private_group):
    poll = poll_in(private_group, user)
    response = other_client.post(feed_url("vote", poll.id), {"option": option_ids(poll)[0]})
    assert response.status_code == 404
    assert not PollVote.objects.exists()


def test_voters_of_a_named_poll_are_listed(reader_client, reader, colleague, user, group):
    poll = poll_in(group, user)
    monday, tuesday, _friday = option_ids(poll)
    services.vote(user=reader, poll=poll.poll, option_ids=[monday])
    services.vote(user=colleague, poll=poll.poll, option_ids=[tuesday])
    response = reader_client.get(feed_url("voters", poll.id), **HTMX)
    assert response.status_code == 200
    options = {o["label"]: o["names"] for o in response.context["options"]}
    assert options == {"Monday": ["Hugo Bernard"], "Tuesday": ["Lea Petit"], "Friday": []}


def test_voters_of_an_anonymous_poll_are_never_named(reader_client, reader, colleague, user,
                                                     group):
    poll = poll_in(group, user, anonymous=True)
    services.vote(user=reader, poll=poll.poll, option_ids=option_ids(poll)[:1])
    services.vote(user=colleague, poll=poll.poll, option_ids=option_ids(poll)[1:2])
    response = reader_client.get(feed_url("voters", poll.id), **HTMX)
    assert response.status_code in (200, 404)
    assert b"Hugo Bernard" not in response.content
    assert b"Lea Petit" not in response.content
    card = reader_client.get(feed_url("card", poll.id)).content
    assert feed_url("voters", poll.id).encode() not in card


def test_voters_of_a_poll_i_cannot_see_are_404(other_client, user, private_group):
    poll = poll_in(private_group, user)
    assert other_client.get(feed_url("voters", poll.id)).status_code == 404


# --- Read tracking and acknowledgement ---------------------------------------------------------

def record(client, payload, raw=False):
    return client.post(feed_url("record_views"), payload if raw else json.dumps(payload),
                       content_type="application/json")


@pytest.fixture
def announcement(user, reader, colleague, group_admin, group):
    """A required announcement by ``user``; the audience: reader, colleague, group_admin."""
    return announce(group, user, "New infection protocol")


def test_record_views_records_the_announcements_i_saw(reader_client, reader, announcement):
    response = record(reader_client, {"ids": [announcement.id]})
    assert response.status_code == 200
    assert response.json() == {"recorded": [announcement.id]}
    receipt = Receipt.objects.get(user=reader)
    assert receipt.post == announcement and receipt.acknowledged_at is None


def test_record_views_is_idempotent_and_keeps_the_first_time(reader_client, reader,
                                                              announcement):
    record(reader_client, {"ids": [announcement.id]})
    first = Receipt.objects.get(user=reader).seen_at
    response = record(reader_client, {"ids": [announcement.id, announcement.id]})
    assert response.json() == {"recorded": []}
    assert Receipt.objects.get(user=reader).seen_at == first


@pytest.mark.parametrize("body", ["not json", "[1, 2]", '{"ids": "abc"}', '{"ids": [null]}',
                                  '{"ids": 5}', '{"ids": ["x"]}', ""])
def test_record_views_with_bad_json_is_a_400(body, reader_client, announcement):
    response = record(reader_client, body, raw=True)
    if body == "":
        # An empty body is an empty report.
        assert response.status_code == 200 and response.json() == {"recorded": []}
    else:
        assert response.status_code == 400
        assert "ids" in response.json()["detail"]
    assert not Receipt.objects.exists()


def test_record_views_records_only_for_the_audience(member_client, other_client, user,
                                                    outsider, announcement, private_group,
                                                    group):
    secret = announce(private_group, user, "Managers only")
    plain = post_in(group, user, "Plain")
    # The author is not in the audience; a plain post has none.
    assert record(member_client, {"ids": [announcement.id, plain.id]}).json()["recorded"] == []
    # A staff member who can see the public group but is not a member of it.
    assert record(client_for(outsider), {"ids": [announcement.id]}).json()["recorded"] == []
    assert record(other_client, {"ids": [secret.id, 999999]}).json()["recorded"] == []
    assert not Receipt.objects.exists()


def test_record_views_ignores_ids_that_cannot_exist(reader_client, announcement):
    response = record(reader_client, {"ids": [10**30, -5, 0, announcement.id]})
    assert response.status_code == 200
    assert response.json() == {"recorded": [announcement.id]}


def test_record_views_refuses_get(reader_client):
    assert reader_client.get(feed_url("record_views")).status_code == 405


def test_htmx_acknowledge_returns_the_card_saying_you_confirmed(reader_client, reader,
                                                                announcement):
    response = reader_client.post(feed_url("acknowledge", announcement.id), **HTMX)
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"You confirmed reading this on" in response.content
    assert b"I have read and understood" not in response.content
    assert response["HX-Trigger"] == "relais:acknowledged"
    assert Receipt.objects.get(user=reader).acknowledged_at is not None


def test_acknowledge_without_htmx_goes_back(reader_client, reader, announcement):
    response = reader_client.post(feed_url("acknowledge", announcement.id), {"next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert Receipt.objects.get(user=reader).acknowledged_at is not None


def test_acknowledging_twice_keeps_the_first_time(reader_client, reader, announcement):
    reader_client.post(feed_url("acknowledge", announcement.id), **HTMX)
    first = Receipt.objects.get(user=reader).acknowledged_at
    assert reader_client.post(feed_url("acknowledge", announcement.id), **HTMX).status_code == 200
    assert Receipt.objects.get(user=reader).acknowledged_at == first


def test_acknowledge_by_someone_outside_the_audience_is_403(member_client, staff_client, outsider,
                                                           announcement):
    # The author, an organisation admin and a staff member who are not members of the group.
    for client in (member_client, staff_client, client_for(outsider)):
        assert client.post(feed_url("acknowledge", announcement.id)).status_code == 403
    assert not Receipt.objects.exists()


def test_acknowledge_of_what_i_cannot_see_is_404(other_client, guest_client, user, private_group,
                                                 shared_group):
    hidden = announce(private_group, user)
    assert other_client.post(feed_url("acknowledge", hidden.id)).status_code == 404
    assert guest_client.post(feed_url("acknowledge", hidden.id)).status_code == 404
    assert not Receipt.objects.exists()


def test_acknowledging_a_post_that_asks_for_none_is_refused_without_error(reader_client, user,
                                                                          reader, group):
    plain = announce(group, user, requires_ack=False)
    response = reader_client.post(feed_url("acknowledge", plain.id), **HTMX)
    assert response.status_code == 422
    assert response.content.decode() == "This post does not ask for an acknowledgement."
    response = reader_client.post(feed_url("acknowledge", plain.id))
    assert response.status_code == 302
    assert not Receipt.objects.filter(acknowledged_at__isnull=False).exists()


# --- The receipts dashboard --------------------------------------------------------------------

@pytest.fixture
def readers(reader, colleague, announcement):
    """The reader acknowledged; the colleague has only seen it; the group admin did neither."""
    services.acknowledge(user=reader, post=announcement)
    services.record_views(user=colleague, post_ids=[announcement.id])
    return announcement


@pytest.mark.parametrize("viewer", ["author", "group_admin", "organisation_admin"])
def test_author_and_admins_see_the_dashboard_with_counts(viewer, user, group_admin, staff_user,
                                                         readers):
    person = {"author": user, "group_admin": group_admin, "organisation_admin": staff_user}[viewer]
    response = client_for(person).get(feed_url("receipts", readers.id))
    assert response.status_code == 200
    counts = response.context["counts"]
    assert (counts["audience"], counts["seen"], counts["acknowledged"]) == (3, 2, 1)
    assert (counts["seen_percent"], counts["acknowledged_percent"]) == (67, 33)
    assert b'data-count="audience">3<' in response.content
    # Not yet acknowledged, by default.
    names = [row.user.display_name for row in response.context["rows_page"].object_list]
    assert names == ["Lea Petit", "Paul Durand"]
    assert response.context["waiting_count"] == 2


def test_plain_member_gets_403_for_the_dashboard(reader_client, readers):
    for name in ("receipts", "receipt_rows", "receipt_counts", "receipts_csv"):
        assert reader_client.get(feed_url(name, readers.id)).status_code == 403, name


def test_outsider_gets_404_for_the_dashboard(other_client, user, private_group):
    hidden = announce(private_group, user)
    for name in ("receipts", "receipt_rows", "receipt_counts", "receipts_csv"):
        assert other_client.get(feed_url(name, hidden.id)).status_code == 404, name
    assert other_client.post(feed_url("remind", hidden.id)).status_code == 404


def test_dashboard_of_a_plain_post_is_403(member_client, user, group):
    plain = post_in(group, user)
    assert member_client.get(feed_url("receipts", plain.id)).status_code == 403


def test_anonymous_visitor_of_the_dashboard_is_sent_to_login(anonymous_client, readers):
    response = anonymous_client.get(feed_url("receipts", readers.id))
    assert response.status_code == 302
    assert response["Location"].startswith(login_url())


@pytest.mark.parametrize(("query", "names"), [
    ({"status": "all"}, ["Hugo Bernard", "Lea Petit", "Paul Durand"]),
    ({"status": "not_seen"}, ["Paul Durand"]),
    ({"status": "seen"}, ["Hugo Bernard", "Lea Petit"]),
    ({"status": "acknowledged"}, ["Hugo Bernard"]),
    ({"status": "not_acknowledged"}, ["Lea Petit", "Paul Durand"]),
    ({"status": "all", "department": "Urgences"}, ["Lea Petit"]),
    ({"status": "all", "q": "petit"}, ["Lea Petit"]),
    ({"status": "all", "q": "paul.durand@"}, ["Paul Durand"]),
    ({"status": "bogus"}, ["Hugo Bernard", "Lea Petit", "Paul Durand"]),
])
def test_receipt_rows_fragment_filters(query, names, member_client, readers):
    response = member_client.get(feed_url("receipt_rows", readers.id), query, **HTMX)
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert [row.user.display_name for row in response.context["rows_page"].object_list] == names
    for name in ["Hugo Bernard", "Lea Petit", "Paul Durand"]:
        assert (name.encode() in response.content) == (name in names)


def test_receipt_counts_fragment(member_client, readers):
    response = member_client.get(feed_url("receipt_counts", readers.id), **HTMX)
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b'data-count="seen">2<' in response.content
    assert b'data-count="acknowledged">1<' in response.content
    assert b'data-count="acknowledged_percent">33<' in response.content


def test_csv_export_has_a_bom_a_header_and_one_row_per_audience_member(member_client, reader,
                                                                       readers):
    response = member_client.get(feed_url("receipts_csv", readers.id))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Name", "Email", "Department", "Seen at", "Acknowledged at", "Audience"]
    by_name = {row[0]: row for row in rows[1:]}
    assert len(rows) == 4 and set(by_name) == {"Hugo Bernard", "Lea Petit", "Paul Durand"}
    hugo, lea, paul = by_name["Hugo Bernard"], by_name["Lea Petit"], by_name["Paul Durand"]
    assert hugo[1:3] == [reader.email, "Informatique"]
    assert hugo[3] and hugo[4]
    assert lea[3] and not lea[4]
    assert not paul[3] and not paul[4]
    receipt = Receipt.objects.get(user=reader)
    assert hugo[4] == timezone.localtime(receipt.acknowledged_at).strftime("%Y-%m-%d %H:%M:%S")


def test_remind_notifies_and_emails_each_person_not_done_once(member_client, colleague,
                                                              group_admin, readers,
                                                              django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(feed_url("remind", readers.id))
    assert response.status_code == 302
    assert response["Location"] == feed_url("receipts", readers.id)
    reminded = Notification.objects.filter(kind="announcement_reminder")
    assert set(reminded.values_list("recipient", flat=True)) == {colleague.id, group_admin.id}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([colleague.email, group_admin.email])

    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(feed_url("remind", readers.id), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any("the next one is possible at" in m for m in messages)
    assert b"The next one is possible at" in response.content
    assert reminded.count() == 2
    assert len(mail.outbox) == 2


def test_dashboard_offers_the_reminder_and_lists_those_sent(member_client, readers):
    response = member_client.get(feed_url("receipts", readers.id))
    assert b"2 people have not confirmed yet." in response.content
    services.remind(actor=readers.author, post=readers)
    response = member_client.get(feed_url("receipts", readers.id))
    assert response.context["next_reminder_at"] is not None
    assert len(response.context["reminders"]) == 1


def test_remind_when_everyone_is_done_says_so(member_client, reader, colleague, group_admin,
                                              announcement):
    for person in (reader, colleague, group_admin):
        services.acknowledge(user=person, post=announcement)
    response = member_client.post(feed_url("remind", announcement.id), follow=True)
    assert any("already done it" in str(m) for m in response.context["messages"])
    assert not Notification.objects.filter(kind="announcement_reminder").exists()


def test_member_gets_403_for_remind(reader_client, readers):
    assert reader_client.post(feed_url("remind", readers.id)).status_code == 403
    assert not Notification.objects.filter(kind="announcement_reminder").exists()


# --- Mention candidates ------------------------------------------------------------------------

def candidates(client, group_slug, q):
    response = client.get(feed_url("mention_candidates"), {"group": group_slug, "q": q})
    assert response.status_code == 200
    return [person["name"] for person in response.json()["results"]]


@pytest.fixture
def private_people(user, other_user, private_group):
    """``other_user`` in ``private_group``; a second staff member who is not."""
    add(private_group, other_user)
    return make_user("hugo.petit@hopital.example", "Hugo Petit", language="en")


def test_mention_candidates_of_a_private_group_are_its_members(member_client, private_people,
                                                               private_group):
    assert candidates(member_client, private_group.slug, "hugo") == ["Hugo Bernard"]


def test_mention_candidates_of_a_public_group_are_every_staff_member(member_client,
                                                                     private_people, group):
    assert candidates(member_client, group.slug, "hugo") == ["Hugo Bernard", "Hugo Petit"]


def test_mention_candidates_never_include_the_requester(member_client, other_client, group):
    assert candidates(member_client, group.slug, "camille") == []
    assert candidates(other_client, group.slug, "camille") == ["Camille Martin"]


def test_mention_candidates_never_include_guests_outside_their_group(member_client, guest,
                                                                     shared_group, group):
    assert candidates(member_client, group.slug, "victor") == []
    assert candidates(member_client, shared_group.slug, "victor") == ["Victor Vendor"]


def test_mention_candidates_are_empty_for_unknown_or_hidden_groups(member_client, private_people,
                                                                   private_group):
    outsider_client = client_for(private_people)
    assert candidates(outsider_client, private_group.slug, "hugo") == []
    assert candidates(member_client, "no-such-group", "hugo") == []
    assert candidates(member_client, private_group.slug, "") == []


def test_guest_gets_mention_candidates_of_their_shared_group_only(guest_client, shared_group,
                                                                  group):
    assert candidates(guest_client, shared_group.slug, "camille") == ["Camille Martin"]
    assert candidates(guest_client, group.slug, "camille") == []


def test_mention_candidates_match_every_word(member_client, private_people, group):
    assert candidates(member_client, group.slug, "hugo pet") == ["Hugo Petit"]


# --- A group's posts, loaded into the group page -----------------------------------------------

def group_posts(client, group, **extra):
    return client.get(feed_url("group_posts", group.slug), **HTMX, **extra)


def test_member_of_a_public_group_sees_its_posts_and_the_composer(reader_client, user, group):
    post_in(group, user, "Welcome to cardiology")
    response = group_posts(reader_client, group)
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"Welcome to cardiology" in response.content
    assert response.context["composer"] is not None
    assert feed_url("create").encode() in response.content
    assert f'name="group" value="{group.slug}"'.encode() in response.content


def test_non_member_sees_public_group_posts_without_a_composer(other_client, user, group):
    post_in(group, user, "Welcome to cardiology")
    response = group_posts(other_client, group)
    assert response.status_code == 200
    assert b"Welcome to cardiology" in response.content
    assert response.context["composer"] is None
    assert feed_url("create").encode() not in response.content


def test_organisation_admin_sees_posts_and_composer_of_any_group(staff_client, user,
                                                                 private_group):
    post_in(private_group, user, "Managers only")
    response = group_posts(staff_client, private_group)
    assert response.status_code == 200
    assert b"Managers only" in response.content
    assert response.context["composer"] is not None


def test_group_posts_are_404_for_outsiders_of_private_and_secret_groups(other_client, guest_client,
                                                                        private_group,
                                                                        secret_group, group):
    assert group_posts(other_client, private_group).status_code == 404
    assert group_posts(other_client, secret_group).status_code == 404
    assert group_posts(guest_client, group).status_code == 404
    assert other_client.get(feed_url("group_posts", "no-such-group")).status_code == 404


def test_group_posts_show_pinned_first_and_page_with_a_cursor(reader_client, user, group):
    # One pinned on top, then one more than a page.
    posts = [post_in(group, user, f"Post number {n}") for n in range(FEED_PAGE_SIZE + 2)]
    services.set_pinned(actor=user, post=posts[0], pinned=True)
    response = group_posts(reader_client, group)
    assert top_ids(response) == [posts[0].id]
    cursor = response.context["next_cursor"]
    assert cursor
    # Without JavaScript, "load more" opens the group page itself.
    assert (f'{reverse("groups:detail", args=[group.slug])}?cursor={cursor}'.encode()
            in response.content)
    more = group_posts(reader_client, group, data={"cursor": cursor})
    assert more.status_code == 200
    assert b"composer" not in more.content
    assert card_ids(more) == [posts[1].id]


def test_group_posts_with_a_bad_cursor_show_the_first_page(reader_client, user, group):
    post = post_in(group, user)
    response = group_posts(reader_client, group, data={"cursor": "garbage"})
    assert response.status_code == 200
    assert card_ids(response) == [post.id]


def test_group_page_loads_its_posts_from_the_feed(member_client, group):
    response = member_client.get(reverse("groups:detail", args=[group.slug]))
    assert feed_url("group_posts", group.slug).encode() in response.content


def test_archived_group_shows_posts_without_a_composer(member_client, user, group):
    post = post_in(group, user, "Before the archive")
    group_services.set_archived(actor=user, group=group, archived=True)
    response = group_posts(member_client, group)
    assert card_ids(response) == [post.id]
    assert response.context["composer"] is None


def test_group_with_nothing_says_so(member_client, group):
    assert b"Nothing has been posted in this group yet." in group_posts(member_client,
                                                                         group).content



def test_a_refused_comment_on_a_stale_card_answers_htmx_with_a_short_text(member_client, user,
                                                                          group):
    from feed import services as feed_services
    from groups import services as group_services

    post = feed_services.create_post(author=user, group=group, body="Before the archive")
    group_services.set_archived(actor=user, group=group, archived=True)
    response = member_client.post(reverse("feed:comment", args=[post.id]), {"body": "Late"},
                                  HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/plain")
    assert "archived" in response.content.decode()
    assert not post.comments.exists()
