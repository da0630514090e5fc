import json
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from feed import services
from feed.models import Comment, PollVote, Post, Reaction, Receipt, Reminder
from groups import services as group_services
from groups.models import Membership
from notifications.models import Notification
from tests.conftest import client_for, make_user

pytestmark = pytest.mark.django_db

# The first feed page, whatever it holds: auth, the "top" ids, the page and its prefetches,
# the "top" posts and theirs.
FEED_MAX_QUERIES = 18


# --- Fixtures and helpers --------------------------------------------------------------------

@pytest.fixture
def api(user, api_client_for):
    """The author and owner of ``group``."""
    return api_client_for(user)


@pytest.fixture
def member(other_user, group):
    group_services.join_group(user=other_user, group=group)
    return other_user


@pytest.fixture
def member_api(member, api_client_for):
    return api_client_for(member)


@pytest.fixture
def other_api(other_user, api_client_for):
    return api_client_for(other_user)


@pytest.fixture
def guest_api(guest, api_client_for):
    return api_client_for(guest)


@pytest.fixture
def staff_api(staff_user, api_client_for):
    return api_client_for(staff_user)


@pytest.fixture
def announcement(user, group, member):
    return services.create_post(author=user, group=group, body="New infection protocol",
                                kind=Post.Kind.ANNOUNCEMENT, requires_ack=True)


@pytest.fixture
def poll(user, group, member):
    post = services.create_post(author=user, group=group, kind=Post.Kind.POLL,
                                poll=services.PollSpec("Which day?", ["Monday", "Tuesday",
                                                                      "Friday"]))
    return post.poll


def post_in(group, author, body="Hello", **extra) -> Post:
    return services.create_post(author=author, group=group, body=body, **extra)


def option_ids(poll):
    return list(poll.options.order_by("position").values_list("id", flat=True))


def detail_fields(response) -> set[str]:
    detail = response.json()["detail"]
    if isinstance(detail, dict):
        return set(detail)
    return {str(error["loc"][-1]) for error in detail}


def delete_json(client, path, data):
    return client.delete(path, json.dumps(data), content_type="application/json")


# --- Every endpoint needs credentials ---------------------------------------------------------

@pytest.mark.parametrize(("method", "path"), [
    ("get", "/api/v1/feed"),
    ("post", "/api/v1/groups/cardiologie/posts"),
    ("get", "/api/v1/posts/1"),
    ("patch", "/api/v1/posts/1"),
    ("delete", "/api/v1/posts/1"),
    ("get", "/api/v1/posts/1/comments"),
    ("post", "/api/v1/posts/1/comments"),
    ("post", "/api/v1/posts/1/reactions"),
    ("delete", "/api/v1/posts/1/reactions"),
    ("post", "/api/v1/posts/1/read"),
    ("post", "/api/v1/posts/1/acknowledge"),
    ("get", "/api/v1/posts/1/receipts"),
    ("post", "/api/v1/posts/1/remind"),
    ("post", "/api/v1/polls/1/vote"),
])
def test_anonymous_gets_401_everywhere(method, path, announcement):
    client = Client()
    response = (client.get(path) if method == "get"
                else getattr(client, method)(path, "{}", content_type="application/json"))
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication required."}
    assert Post.objects.filter(id=announcement.id).exists()


# --- GET /feed -------------------------------------------------------------------------------

def test_feed_serialises_a_post_with_everything_it_shows(user, member, member_api, group):
    post = post_in(group, user, "Hello **team**, see the file",
                   attachments=[SimpleUploadedFile("rota.txt", b"Monday: Camille")])
    services.react(user=member, post=post, emoji="👍")
    services.react(user=user, post=post, emoji="👍")
    services.add_comment(author=member, post=post, body="Thanks")
    item = member_api.get("/api/v1/feed").json()["items"][0]
    attachment = post.attachments.get()
    assert item == {
        "id": post.id, "group": {"id": group.id, "slug": "cardiologie", "name": "Cardiologie"},
        "author": {"id": user.id, "display_name": "Camille Martin"}, "kind": "post",
        "body": "Hello **team**, see the file",
        "body_html": "<p>Hello <strong>team</strong>, see the file</p>",
        "created": item["created"], "edited_at": None, "pinned": False, "requires_ack": False,
        "ack_deadline": None, "urgent": False, "comment_count": 1,
        "reactions": [{"emoji": "👍", "count": 2, "mine": True,
                       "names": ["Hugo Bernard", "Camille Martin"]}],
        "attachments": [{"id": attachment.id, "name": "rota.txt", "size": 15,
                         "content_type": "text/plain",
                         "url": f"/documents/{attachment.document_id}/download/",
                         "document_id": attachment.document_id,
                         "document_url": f"/documents/{attachment.document_id}/",
                         "download_url": f"/api/v1/documents/{attachment.document_id}/download"}],
        "poll": None, "my_receipt": None, "url": f"/posts/{post.id}/",
    }
    # The file is a document of the group's library, served after the library's access check:
    # to the browser session at `url`, to API clients at `download_url`.
    assert client_for(member).get(item["attachments"][0]["url"]).status_code == 200
    response = member_api.get(item["attachments"][0]["download_url"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"Monday: Camille"


def test_feed_shows_only_my_groups_newest_first(user, other_user, member_api, group,
                                                 private_group, staff_user):
    other_group = group_services.create_group(creator=staff_user, name="Pharmacie")
    first = post_in(group, user, "first")
    post_in(private_group, user, "private, not mine")
    post_in(other_group, staff_user, "public, but not my group")
    second = post_in(group, user, "second")
    body = member_api.get("/api/v1/feed").json()
    assert [p["id"] for p in body["items"]] == [second.id, first.id]
    assert body["top"] == [] and body["next_cursor"] is None


def test_feed_puts_announcements_awaiting_my_acknowledgement_on_top(user, member, member_api,
                                                                     group, announcement):
    later = post_in(group, user, "A later post")
    body = member_api.get("/api/v1/feed").json()
    assert [p["id"] for p in body["top"]] == [announcement.id]
    assert [p["id"] for p in body["items"]] == [later.id]
    services.acknowledge(user=member, post=announcement)
    body = member_api.get("/api/v1/feed").json()
    assert body["top"] == []
    assert [p["id"] for p in body["items"]] == [later.id, announcement.id]
    assert body["items"][1]["my_receipt"]["acknowledged_at"] is not None


def test_feed_filters_by_kind_and_group(user, member, member_api, group, announcement, poll):
    pharmacy = group_services.create_group(creator=user, name="Pharmacie")
    group_services.join_group(user=member, group=pharmacy)
    mention = post_in(group, user, "Over to you @Hugo Bernard")
    elsewhere = post_in(pharmacy, user, "Stock count")

    def ids(query):
        body = member_api.get(f"/api/v1/feed?{query}").json()
        return [p["id"] for p in body["top"] + body["items"]]

    assert ids("kind=announcements") == [announcement.id]
    assert ids("kind=polls") == [poll.post_id]
    assert ids("kind=mentions") == [mention.id]
    assert ids("group=pharmacie") == [elsewhere.id]
    assert set(ids("kind=all")) == {announcement.id, poll.post_id, mention.id, elsewhere.id}


@pytest.mark.parametrize("slug", ["no-such-group", "cadres-de-sante", "pharmacie"])
def test_feed_of_a_group_that_is_not_mine_is_404(slug, member_api, staff_user, private_group):
    group_services.create_group(creator=staff_user, name="Pharmacie")  # public, not a member
    assert member_api.get(f"/api/v1/feed?group={slug}").status_code == 404


def test_feed_pages_with_a_cursor_are_disjoint_and_in_order(user, member, member_api, group):
    posts = [post_in(group, user, f"Post {n}") for n in range(7)]
    expected = [p.id for p in reversed(posts)]
    seen, cursor, pages = [], "", 0
    while True:
        body = member_api.get(f"/api/v1/feed?limit=3&cursor={cursor}").json()
        pages += 1
        seen.extend(p["id"] for p in body["items"])
        assert body["top"] == [] or pages == 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == expected and len(set(seen)) == len(seen)


def test_feed_top_is_on_the_first_page_only(user, member, member_api, group, announcement):
    for n in range(3):
        post_in(group, user, f"Post {n}")
    first = member_api.get("/api/v1/feed?limit=2").json()
    second = member_api.get(f"/api/v1/feed?limit=2&cursor={first['next_cursor']}").json()
    assert [p["id"] for p in first["top"]] == [announcement.id]
    assert second["top"] == []
    assert announcement.id not in [p["id"] for p in first["items"] + second["items"]]


@pytest.mark.parametrize("cursor", ["abc", "12", "1.x", "99999999999999999999999.1"])
def test_feed_bad_cursor_is_a_422_with_a_message(cursor, member_api):
    response = member_api.get(f"/api/v1/feed?cursor={cursor}")
    assert response.status_code == 422
    assert "cursor is not valid" in response.json()["detail"]["cursor"][0]


def test_feed_unknown_kind_is_a_422(member_api):
    assert member_api.get("/api/v1/feed?kind=everything").status_code == 422


@pytest.mark.parametrize("query", ["group=cardio%00logie", "cursor=%00"])
def test_feed_nul_in_a_parameter_is_a_400(query, member_api):
    # PostgreSQL cannot even compare text with NUL in it: refused before any query.
    assert member_api.get(f"/api/v1/feed?{query}").status_code == 400


def test_guest_feed_holds_only_the_shared_group(user, guest_api, group, shared_group):
    post_in(group, user, "Staff only")
    shared = post_in(shared_group, user, "For our partner")
    assert [p["id"] for p in guest_api.get("/api/v1/feed").json()["items"]] == [shared.id]
    assert guest_api.get("/api/v1/feed?group=cardiologie").status_code == 404


def _fill(group, author, reader, *, posts: int, comments: int, reactions: int):
    """Posts of every kind, each with comments and replies, reactions, files and votes."""
    people = [make_user(f"reader{n}-{posts}@hopital.example", f"Reader {n}")
              for n in range(reactions)]
    for person in people:
        group_services.join_group(user=person, group=group)
    services.create_post(author=author, group=group, body="Read me", kind=Post.Kind.ANNOUNCEMENT,
                         requires_ack=True)
    pinned = post_in(group, author, "Pinned")
    services.set_pinned(actor=author, post=pinned, pinned=True)
    for n in range(posts):
        kind = [Post.Kind.POST, Post.Kind.ANNOUNCEMENT, Post.Kind.POLL][n % 3]
        post = services.create_post(
            author=author, group=group, body=f"Post {n}", kind=kind,
            poll=services.PollSpec("Which?", ["A", "B"]) if kind == Post.Kind.POLL else None,
            attachments=[SimpleUploadedFile(f"f{n}.txt", b"text")])
        for c in range(comments):
            comment = services.add_comment(author=reader, post=post, body=f"Comment {c}")
            services.add_comment(author=author, post=post, body="Reply", parent=comment)
        for person in [reader, *people]:
            services.react(user=person, post=post, emoji="👍")
        if kind == Post.Kind.POLL:
            services.vote(user=reader, poll=post.poll, option_ids=[post.poll.options.first().id])
        if kind == Post.Kind.ANNOUNCEMENT:
            services.record_views(user=reader, post_ids=[post.id])


def _count_feed_queries(client, django_assert_max_num_queries) -> tuple[int, dict]:
    client.get("/api/v1/me")  # the token's "last used" is written once, not per request
    with django_assert_max_num_queries(FEED_MAX_QUERIES), \
            CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/feed")
    assert response.status_code == 200
    return len(queries), response.json()


def test_feed_costs_a_constant_number_of_queries(user, member, member_api, group, staff_user,
                                                  django_assert_max_num_queries):
    _fill(group, user, member, posts=3, comments=1, reactions=1)
    few_count, few = _count_feed_queries(member_api, django_assert_max_num_queries)
    assert len(few["items"]) == 3 and len(few["top"]) == 2

    crowded = group_services.create_group(creator=user, name="Urgences")
    group_services.join_group(user=member, group=crowded)
    _fill(crowded, user, member, posts=24, comments=3, reactions=4)
    many_count, many = _count_feed_queries(member_api, django_assert_max_num_queries)
    assert len(many["items"]) == 20 and len(many["top"]) == 4
    assert sum(p["comment_count"] for p in many["items"]) > sum(
        p["comment_count"] for p in few["items"])
    assert many_count == few_count


# --- Polls in the feed -----------------------------------------------------------------------

def test_poll_results_are_hidden_until_i_vote(member_api, poll):
    block = member_api.get(f"/api/v1/posts/{poll.post_id}").json()["poll"]
    assert block["open"] is True and block["my_votes"] == []
    assert [o["votes"] for o in block["options"]] == [None, None, None]
    assert block["voter_count"] is None


def test_vote_returns_the_poll_with_results(member, member_api, poll):
    monday, tuesday, _friday = option_ids(poll)
    response = member_api.post_json(f"/api/v1/polls/{poll.id}/vote", {"option_ids": [tuesday]})
    assert response.status_code == 200
    body = response.json()
    assert body["my_votes"] == [tuesday]
    assert [(o["label"], o["votes"]) for o in body["options"]] == [
        ("Monday", 0), ("Tuesday", 1), ("Friday", 0)]
    changed = member_api.post_json(f"/api/v1/polls/{poll.id}/vote",
                                   {"option_ids": [monday]}).json()
    assert changed["my_votes"] == [monday]
    assert list(PollVote.objects.filter(user=member).values_list("option_id", flat=True)) == [
        monday]


def test_closed_poll_shows_results_and_refuses_votes(user, member_api, poll):
    services.vote(user=user, poll=poll, option_ids=[option_ids(poll)[0]])
    poll.closes_at = timezone.now() - timedelta(minutes=1)
    poll.save(update_fields=["closes_at"])
    block = member_api.get(f"/api/v1/posts/{poll.post_id}").json()["poll"]
    assert block["open"] is False and block["my_votes"] == []
    assert [o["votes"] for o in block["options"]] == [1, 0, 0]
    response = member_api.post_json(f"/api/v1/polls/{poll.id}/vote",
                                    {"option_ids": [option_ids(poll)[1]]})
    assert response.status_code == 403
    assert "closed" in response.json()["detail"]


@pytest.mark.parametrize("choice", [[], [0, 1], [-1], ["x"]])
def test_vote_with_bad_options_is_a_422(choice, member_api, poll):
    ids = option_ids(poll)
    chosen = [ids[c] if isinstance(c, int) and c >= 0 else (999999 if c == -1 else c)
              for c in choice]
    response = member_api.post_json(f"/api/v1/polls/{poll.id}/vote", {"option_ids": chosen})
    assert response.status_code == 422
    assert not PollVote.objects.exists()


def test_multiple_choice_poll_takes_several(user, member_api, group, member):
    post = services.create_post(author=user, group=group, kind=Post.Kind.POLL,
                                poll=services.PollSpec("Which?", ["A", "B", "C"], multiple=True))
    a, _b, c = option_ids(post.poll)
    body = member_api.post_json(f"/api/v1/polls/{post.poll.id}/vote",
                                {"option_ids": [c, a]}).json()
    assert body["my_votes"] == [a, c]


def test_vote_on_a_poll_i_cannot_see_is_404(user, other_api, guest_api, private_group,
                                            shared_group):
    post = services.create_post(author=user, group=private_group, kind=Post.Kind.POLL,
                                poll=services.PollSpec("Which?", ["A", "B"]))
    choice = {"option_ids": option_ids(post.poll)[:1]}
    assert other_api.post_json(f"/api/v1/polls/{post.poll.id}/vote", choice).status_code == 404
    assert guest_api.post_json(f"/api/v1/polls/{post.poll.id}/vote", choice).status_code == 404
    assert other_api.post_json("/api/v1/polls/999999/vote", choice).status_code == 404
    assert not PollVote.objects.exists()


# --- POST /groups/{slug}/posts ---------------------------------------------------------------

def test_member_creates_a_post(member, member_api, group, sent_events):
    with sent_events.after_commit():
        response = member_api.post_json("/api/v1/groups/cardiologie/posts",
                                        {"body": "Coffee in the break room"})
    assert response.status_code == 201
    body = response.json()
    post = Post.objects.get()
    assert body["id"] == post.id and body["kind"] == "post"
    assert body["author"] == {"id": member.id, "display_name": "Hugo Bernard"}
    assert post.group == group and post.body == "Coffee in the break room"
    assert sent_events.of_type("post.created")


def test_admin_creates_a_required_announcement_with_a_deadline(api, member, group):
    deadline = timezone.now() + timedelta(days=2)
    response = api.post_json("/api/v1/groups/cardiologie/posts", {
        "body": "New rota", "kind": "announcement", "requires_ack": True,
        "ack_deadline": deadline.isoformat()})
    assert response.status_code == 201
    post = Post.objects.get()
    assert (post.kind, post.requires_ack, post.ack_deadline) == ("announcement", True, deadline)
    assert response.json()["requires_ack"] is True
    assert Notification.objects.filter(recipient=member, kind="announcement").exists()


def test_create_a_poll(member_api, member):
    response = member_api.post_json("/api/v1/groups/cardiologie/posts", {
        "kind": "poll", "poll": {"question": "Team dinner?", "options": ["Yes", "No"],
                                 "multiple": False, "anonymous": True}})
    assert response.status_code == 201
    poll = response.json()["poll"]
    assert poll["question"] == "Team dinner?" and poll["anonymous"] is True
    assert [o["label"] for o in poll["options"]] == ["Yes", "No"]


def test_announcement_by_a_member_who_is_not_admin_is_403(member_api, member):
    response = member_api.post_json("/api/v1/groups/cardiologie/posts",
                                    {"body": "Listen", "kind": "announcement"})
    assert response.status_code == 403
    assert "admins" in response.json()["detail"]
    assert not Post.objects.exists()


def test_organisation_admin_posts_and_announces_in_any_group(staff_api, group):
    response = staff_api.post_json("/api/v1/groups/cardiologie/posts",
                                   {"body": "Fire drill", "kind": "announcement",
                                    "requires_ack": True})
    assert response.status_code == 201


def test_non_member_of_a_public_group_gets_403(other_api, group):
    response = other_api.post_json("/api/v1/groups/cardiologie/posts", {"body": "Hi"})
    assert response.status_code == 403
    assert not Post.objects.exists()


@pytest.mark.parametrize("slug", ["cadres-de-sante", "cellule-de-crise", "no-such-group"])
def test_posting_in_a_group_i_cannot_see_is_404(slug, other_api, private_group, secret_group):
    response = other_api.post_json(f"/api/v1/groups/{slug}/posts", {"body": "Hi"})
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert not Post.objects.exists()


def test_guest_posts_in_the_shared_group_only(guest_api, group, shared_group):
    assert guest_api.post_json("/api/v1/groups/projet-medtech/posts",
                               {"body": "Delivery on Monday"}).status_code == 201
    assert guest_api.post_json("/api/v1/groups/cardiologie/posts",
                               {"body": "Hello"}).status_code == 404


@pytest.mark.parametrize(("payload", "field"), [
    ({"body": "   "}, "body"),
    ({"body": "x" * 20_001}, "body"),
    ({"body": "Hi", "kind": "memo"}, "kind"),
    ({"body": "Hi", "requires_ack": True}, "requires_ack"),
    ({"body": "Hi", "kind": "announcement", "requires_ack": True,
      "ack_deadline": "2001-01-01T00:00:00Z"}, "ack_deadline"),
    ({"body": "Hi", "kind": "announcement", "ack_deadline": "not a date"}, "ack_deadline"),
    ({"kind": "poll"}, "poll"),
    ({"kind": "poll", "poll": {"question": "Q?", "options": ["only one"]}}, "poll_options"),
    ({"kind": "poll", "poll": {"question": "Q?", "options": ["A", "a"]}}, "poll_options"),
    ({"kind": "poll", "poll": {"question": "", "options": ["A", "B"]}}, "poll_question"),
    ({"kind": "poll", "poll": {"question": "Q?", "options": "A,B"}}, "options"),
    ({"body": "Hi", "poll": {"question": "Q?", "options": ["A", "B"]}}, "__root__"),
    ({"body": ["not", "text"]}, "body"),
    ({"body": "NUL \x00 byte"}, "body"),
    ({"kind": "poll", "poll": {"question": "Q\x00", "options": ["A", "B"]}}, "question"),
])
def test_bad_input_is_a_422_naming_the_field(payload, field, api, group):
    response = api.post_json("/api/v1/groups/cardiologie/posts", payload)
    assert response.status_code == 422, response.content
    fields = detail_fields(response)
    assert field in fields or (field == "__root__" and fields), fields
    assert not Post.objects.exists()


def test_malformed_json_is_a_400(api, group):
    response = api.post("/api/v1/groups/cardiologie/posts", "{oops",
                        content_type="application/json")
    assert response.status_code == 400
    assert not Post.objects.exists()


def test_posting_in_an_archived_group_is_403(api, user, group):
    group_services.set_archived(actor=user, group=group, archived=True)
    assert api.post_json("/api/v1/groups/cardiologie/posts", {"body": "Hi"}).status_code == 403


# --- GET | PATCH | DELETE /posts/{id} --------------------------------------------------------

def test_get_post(member_api, announcement):
    response = member_api.get(f"/api/v1/posts/{announcement.id}")
    assert response.status_code == 200
    assert response.json()["body"] == "New infection protocol"


def test_get_post_i_cannot_see_is_404(user, other_api, guest_api, private_group, group,
                                      shared_group):
    hidden = post_in(private_group, user, "Between managers")
    staff_only = post_in(group, user, "For staff")
    assert other_api.get(f"/api/v1/posts/{hidden.id}").status_code == 404
    assert guest_api.get(f"/api/v1/posts/{staff_only.id}").status_code == 404
    assert other_api.get("/api/v1/posts/999999").status_code == 404
    assert other_api.get("/api/v1/posts/abc").status_code == 404


def test_author_edits_the_body(member, member_api, group):
    post = post_in(group, member, "Frist draft")
    response = member_api.patch_json(f"/api/v1/posts/{post.id}", {"body": "First draft"})
    assert response.status_code == 200
    body = response.json()
    assert body["body"] == "First draft" and body["edited_at"] is not None
    post.refresh_from_db()
    assert post.body == "First draft"


def test_patch_changes_only_the_fields_sent(api, announcement):
    deadline = timezone.now() + timedelta(days=3)
    api.patch_json(f"/api/v1/posts/{announcement.id}", {"ack_deadline": deadline.isoformat()})
    announcement.refresh_from_db()
    assert announcement.ack_deadline == deadline
    api.patch_json(f"/api/v1/posts/{announcement.id}", {"body": "Updated protocol"})
    announcement.refresh_from_db()
    assert (announcement.body, announcement.requires_ack, announcement.ack_deadline) == (
        "Updated protocol", True, deadline)
    response = api.patch_json(f"/api/v1/posts/{announcement.id}", {"ack_deadline": None})
    assert response.status_code == 200 and response.json()["ack_deadline"] is None
    announcement.refresh_from_db()
    assert announcement.ack_deadline is None and announcement.requires_ack is True


def test_admin_turns_a_post_into_an_announcement(api, member, group):
    post = post_in(group, member, "Important")
    response = api.patch_json(f"/api/v1/posts/{post.id}",
                              {"kind": "announcement", "requires_ack": True})
    assert response.status_code == 200
    assert (response.json()["kind"], response.json()["requires_ack"]) == ("announcement", True)


def test_author_who_is_not_admin_cannot_make_an_announcement(member_api, member, group):
    post = post_in(group, member, "Important")
    response = member_api.patch_json(f"/api/v1/posts/{post.id}", {"kind": "announcement"})
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.kind == "post"


def test_author_may_send_back_unchanged_announcement_settings(member_api, member, group):
    post = post_in(group, member, "Draft")
    response = member_api.patch_json(f"/api/v1/posts/{post.id}", {
        "body": "Final", "kind": "post", "requires_ack": False, "ack_deadline": None})
    assert response.status_code == 200, response.json()
    assert response.json()["body"] == "Final"


def test_non_author_non_admin_cannot_edit_or_delete(user, member_api, announcement):
    assert member_api.patch_json(f"/api/v1/posts/{announcement.id}",
                                 {"body": "Hacked"}).status_code == 403
    assert member_api.delete(f"/api/v1/posts/{announcement.id}").status_code == 403
    announcement.refresh_from_db()
    assert announcement.body == "New infection protocol"


def test_edit_or_delete_a_post_i_cannot_see_is_404(user, other_api, private_group):
    hidden = post_in(private_group, user, "Between managers")
    assert other_api.patch_json(f"/api/v1/posts/{hidden.id}", {"body": "x"}).status_code == 404
    assert other_api.delete(f"/api/v1/posts/{hidden.id}").status_code == 404
    assert Post.objects.filter(id=hidden.id).exists()


@pytest.mark.parametrize(("payload", "field"), [
    ({"body": ""}, "body"),
    ({"kind": "poll"}, "kind"),
    ({"kind": "memo"}, "kind"),
    ({"ack_deadline": "2001-01-01T00:00:00Z"}, "ack_deadline"),
    ({"requires_ack": "sometimes"}, "requires_ack"),
])
def test_bad_edit_is_a_422(payload, field, api, announcement):
    response = api.patch_json(f"/api/v1/posts/{announcement.id}", payload)
    assert response.status_code == 422, response.content
    assert field in detail_fields(response)


def test_author_deletes_a_post(member, member_api, group, sent_events):
    post = post_in(group, member, "Oops")
    with sent_events.after_commit():
        response = member_api.delete(f"/api/v1/posts/{post.id}")
    assert response.status_code == 204
    assert not Post.objects.filter(id=post.id).exists()
    assert sent_events.of_type("post.deleted")
    assert member_api.get(f"/api/v1/posts/{post.id}").status_code == 404


@pytest.mark.parametrize("deleter", ["owner", "staff"])
def test_group_and_organisation_admins_delete_others_posts(deleter, api, staff_api, member,
                                                           group):
    post = post_in(group, member, "Off topic")
    client = api if deleter == "owner" else staff_api
    assert client.delete(f"/api/v1/posts/{post.id}").status_code == 204
    assert not Post.objects.filter(id=post.id).exists()


def test_deleting_an_announcement_removes_its_receipts_and_notifications(
        api, member, member_api, announcement):
    services.acknowledge(user=member, post=announcement)
    assert Receipt.objects.filter(post=announcement).exists()
    assert any(n["url"] == f"/posts/{announcement.id}/"
               for n in member_api.get("/api/v1/notifications").json()["items"])
    assert api.delete(f"/api/v1/posts/{announcement.id}").status_code == 204
    assert not Receipt.objects.filter(post_id=announcement.id).exists()
    assert not Notification.objects.filter(target_type="post",
                                           target_id=announcement.id).exists()
    assert member_api.get("/api/v1/notifications").json()["items"] == []
    assert api.get(f"/api/v1/posts/{announcement.id}/receipts").status_code == 404
    assert [p["id"] for p in member_api.get("/api/v1/feed").json()["top"]] == []


# --- Comments --------------------------------------------------------------------------------

def test_comment_and_reply(user, member, member_api, api, announcement):
    response = member_api.post_json(f"/api/v1/posts/{announcement.id}/comments",
                                    {"body": "Does this apply to nights?"})
    assert response.status_code == 201
    comment = response.json()
    assert comment["author"] == {"id": member.id, "display_name": "Hugo Bernard"}
    assert comment["parent_id"] is None and comment["replies"] == []
    reply = api.post_json(f"/api/v1/posts/{announcement.id}/comments",
                          {"body": "Yes", "parent_id": comment["id"]}).json()
    assert reply["parent_id"] == comment["id"]
    # Answering a reply answers its thread: one level of replies.
    nested = member_api.post_json(f"/api/v1/posts/{announcement.id}/comments",
                                  {"body": "Thanks", "parent_id": reply["id"]}).json()
    assert nested["parent_id"] == comment["id"]
    listing = member_api.get(f"/api/v1/posts/{announcement.id}/comments").json()["items"]
    assert [(c["body"], [r["body"] for r in c["replies"]]) for c in listing] == [
        ("Does this apply to nights?", ["Yes", "Thanks"])]
    assert member_api.get(f"/api/v1/posts/{announcement.id}").json()["comment_count"] == 3
    assert Notification.objects.filter(recipient=user, kind="reply").exists()


@pytest.mark.parametrize("payload", [{"body": ""}, {"body": "x" * 5001}, {}, {"body": "\x00"},
                                     {"body": "Hi", "parent_id": 999999},
                                     {"body": "Hi", "parent_id": "first"}])
def test_bad_comment_is_a_422(payload, member_api, announcement):
    response = member_api.post_json(f"/api/v1/posts/{announcement.id}/comments", payload)
    assert response.status_code == 422
    assert not Comment.objects.exists()


def test_reply_to_a_comment_of_another_post_is_a_422(user, member, member_api, group,
                                                     announcement):
    other = post_in(group, user, "Another")
    elsewhere = services.add_comment(author=member, post=other, body="Here")
    response = member_api.post_json(f"/api/v1/posts/{announcement.id}/comments",
                                    {"body": "Hi", "parent_id": elsewhere.id})
    assert response.status_code == 422
    assert "parent_id" in response.json()["detail"]


def test_comments_on_a_post_i_cannot_see_are_404(user, other_api, guest_api, private_group,
                                                 group, shared_group):
    hidden = post_in(private_group, user, "Between managers")
    staff_only = post_in(group, user, "For staff")
    for client, post in [(other_api, hidden), (guest_api, staff_only)]:
        assert client.get(f"/api/v1/posts/{post.id}/comments").status_code == 404
        assert client.post_json(f"/api/v1/posts/{post.id}/comments",
                                {"body": "Hi"}).status_code == 404
    assert not Comment.objects.exists()


# --- Reactions -------------------------------------------------------------------------------

def test_react_and_take_it_back(member, member_api, announcement):
    path = f"/api/v1/posts/{announcement.id}/reactions"
    response = member_api.post_json(path, {"emoji": "🙏"})
    assert response.status_code == 200
    assert response.json() == {"reactions": [{"emoji": "🙏", "count": 1, "mine": True,
                                              "names": ["Hugo Bernard"]}]}
    assert member_api.post_json(path, {"emoji": "🙏"}).json()["reactions"][0]["count"] == 1
    response = delete_json(member_api, path, {"emoji": "🙏"})
    assert response.status_code == 200 and response.json() == {"reactions": []}
    assert not Reaction.objects.exists()


def test_reaction_outside_the_palette_is_a_422(member_api, announcement):
    response = member_api.post_json(f"/api/v1/posts/{announcement.id}/reactions",
                                    {"emoji": "💩"})
    assert response.status_code == 422
    assert "emoji" in response.json()["detail"]
    assert member_api.post_json(f"/api/v1/posts/{announcement.id}/reactions",
                                {}).status_code == 422


def test_reacting_to_a_post_i_cannot_see_is_404(user, other_api, private_group):
    hidden = post_in(private_group, user, "Between managers")
    path = f"/api/v1/posts/{hidden.id}/reactions"
    assert other_api.post_json(path, {"emoji": "👍"}).status_code == 404
    assert delete_json(other_api, path, {"emoji": "👍"}).status_code == 404
    assert not Reaction.objects.exists()


# --- Reading and acknowledging ---------------------------------------------------------------

def test_read_is_recorded_once(member, member_api, announcement):
    path = f"/api/v1/posts/{announcement.id}/read"
    assert member_api.post_json(path).json() == {"recorded": True}
    first = Receipt.objects.get(user=member).seen_at
    assert member_api.post_json(path).json() == {"recorded": False}
    assert Receipt.objects.get(user=member).seen_at == first
    assert member_api.get(f"/api/v1/posts/{announcement.id}").json()["my_receipt"][
        "seen_at"] is not None


def test_read_of_a_plain_post_or_by_the_author_records_nothing(user, api, member_api, group,
                                                               announcement):
    plain = post_in(group, user, "Plain")
    assert member_api.post_json(f"/api/v1/posts/{plain.id}/read").json() == {"recorded": False}
    assert api.post_json(f"/api/v1/posts/{announcement.id}/read").json() == {
        "recorded": False}
    assert not Receipt.objects.exists()


def test_acknowledging_twice_keeps_the_first_time(member, member_api, announcement):
    path = f"/api/v1/posts/{announcement.id}/acknowledge"
    first = member_api.post_json(path)
    assert first.status_code == 200
    assert first.json()["acknowledged_at"] is not None
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        second = member_api.post_json(path)
    assert second.status_code == 200
    assert second.json() == first.json()
    assert Receipt.objects.filter(user=member).count() == 1


def test_acknowledging_a_post_that_asks_none_is_a_422(user, member_api, group):
    plain = post_in(group, user, "Plain")
    response = member_api.post_json(f"/api/v1/posts/{plain.id}/acknowledge")
    assert response.status_code == 422
    assert "acknowledgement" in response.json()["detail"]


def test_acknowledging_outside_the_audience_is_403(api, staff_api, announcement):
    # The author and an organisation admin who is not a member can see the announcement,
    # but neither is asked to acknowledge it.
    for client in (api, staff_api):
        assert client.post_json(
            f"/api/v1/posts/{announcement.id}/acknowledge").status_code == 403
    assert not Receipt.objects.exists()


def test_non_member_of_a_public_group_cannot_acknowledge(user, group, api_client_for):
    services.create_post(author=user, group=group, body="Read",
                         kind=Post.Kind.ANNOUNCEMENT, requires_ack=True)
    outsider = make_user("outsider@hopital.example", "Olga Outsider")
    post = Post.objects.get()
    response = api_client_for(outsider).post_json(f"/api/v1/posts/{post.id}/acknowledge")
    assert response.status_code == 403
    assert not Receipt.objects.exists()


def test_reading_or_acknowledging_what_i_cannot_see_is_404(user, other_api, guest_api,
                                                          private_group, group, shared_group):
    hidden = services.create_post(author=user, group=private_group, body="Managers",
                                  kind=Post.Kind.ANNOUNCEMENT, requires_ack=True)
    staff_only = services.create_post(author=user, group=group, body="Staff",
                                      kind=Post.Kind.ANNOUNCEMENT, requires_ack=True)
    for client, post in [(other_api, hidden), (guest_api, staff_only)]:
        assert client.post_json(f"/api/v1/posts/{post.id}/read").status_code == 404
        assert client.post_json(f"/api/v1/posts/{post.id}/acknowledge").status_code == 404
    assert not Receipt.objects.exists()


# --- Receipts --------------------------------------------------------------------------------

@pytest.fixture
def readers(user, group, member, announcement):
    """Three more members: one in Cardiology who acknowledged, one in Pharmacy who only saw it,
    one who joined later and did nothing."""
    nadia = make_user("nadia@hopital.example", "Nadia Nurse", department="Cardiologie")
    paul = make_user("paul@hopital.example", "Paul Pharmacist", department="Pharmacie")
    for person in (nadia, paul):
        group_services.join_group(user=person, group=group)
    Membership.objects.filter(user__in=[nadia, paul]).update(
        joined_at=announcement.created - timedelta(minutes=5))
    late = make_user("late@hopital.example", "Lou Late", department="Pharmacie")
    group_services.join_group(user=late, group=group)
    services.acknowledge(user=nadia, post=announcement)
    services.record_views(user=paul, post_ids=[announcement.id])
    return {"nadia": nadia, "paul": paul, "late": late}


def test_author_sees_receipts_with_counts(api, announcement, readers, member):
    response = api.get(f"/api/v1/posts/{announcement.id}/receipts")
    assert response.status_code == 200
    body = response.json()
    assert body["counts"] == {"audience": 4, "seen": 2, "acknowledged": 1, "joined_later": 1,
                              "seen_percent": 50, "acknowledged_percent": 25}
    assert (body["page"], body["pages"]) == (1, 1)
    rows = {row["user"]["display_name"]: row for row in body["items"]}
    assert set(rows) == {"Nadia Nurse", "Paul Pharmacist", "Lou Late", "Hugo Bernard"}
    assert rows["Nadia Nurse"]["acknowledged_at"] is not None
    assert rows["Paul Pharmacist"]["seen_at"] is not None
    assert rows["Paul Pharmacist"]["acknowledged_at"] is None
    assert rows["Lou Late"]["joined_later"] is True
    assert rows["Nadia Nurse"]["joined_later"] is False
    assert rows["Paul Pharmacist"]["user"] == {"id": readers["paul"].id,
                                               "display_name": "Paul Pharmacist",
                                               "email": "paul@hopital.example",
                                               "department": "Pharmacie"}


@pytest.mark.parametrize(("query", "names"), [
    ("status=not_seen", {"Lou Late", "Hugo Bernard"}),
    ("status=not_acknowledged", {"Paul Pharmacist", "Lou Late", "Hugo Bernard"}),
    ("status=acknowledged", {"Nadia Nurse"}),
    ("status=seen", {"Nadia Nurse", "Paul Pharmacist"}),
    ("department=Pharmacie", {"Paul Pharmacist", "Lou Late"}),
    ("q=nadia", {"Nadia Nurse"}),
    ("status=not_seen&department=Pharmacie", {"Lou Late"}),
])
def test_receipts_filter(query, names, api, announcement, readers):
    body = api.get(f"/api/v1/posts/{announcement.id}/receipts?{query}").json()
    assert {row["user"]["display_name"] for row in body["items"]} == names


def test_receipts_are_paginated(api, user, group, announcement, member):
    for n in range(55):
        group_services.join_group(user=make_user(f"p{n}@hopital.example", f"Person {n:02}"),
                                  group=group)
    first = api.get(f"/api/v1/posts/{announcement.id}/receipts").json()
    second = api.get(f"/api/v1/posts/{announcement.id}/receipts?page=2").json()
    assert (first["pages"], len(first["items"]), second["page"], len(second["items"])) == (
        2, 50, 2, 6)
    first_ids = {row["user"]["id"] for row in first["items"]}
    assert first_ids.isdisjoint(row["user"]["id"] for row in second["items"])


def test_bad_receipt_filters_are_a_422(api, announcement):
    assert api.get(f"/api/v1/posts/{announcement.id}/receipts?status=maybe").status_code == 422
    assert api.get(f"/api/v1/posts/{announcement.id}/receipts?page=two").status_code == 422


def test_group_admin_and_organisation_admin_see_receipts(user, group, announcement, staff_api,
                                                         api_client_for):
    admin = make_user("admin.group@hopital.example", "Greta Admin")
    group_services.add_member(actor=user, group=group, user=admin, role=Membership.Role.ADMIN)
    path = f"/api/v1/posts/{announcement.id}/receipts"
    assert api_client_for(admin).get(path).status_code == 200
    assert staff_api.get(path).status_code == 200


def test_member_who_is_neither_author_nor_admin_gets_403_for_receipts(member_api,
                                                                      announcement):
    response = member_api.get(f"/api/v1/posts/{announcement.id}/receipts")
    assert response.status_code == 403
    assert "admins" in response.json()["detail"]


def test_receipts_of_what_i_cannot_see_are_404(user, other_api, guest_api, private_group,
                                               group, shared_group):
    hidden = services.create_post(author=user, group=private_group, body="Managers",
                                  kind=Post.Kind.ANNOUNCEMENT, requires_ack=True)
    staff_only = services.create_post(author=user, group=group, body="Staff",
                                      kind=Post.Kind.ANNOUNCEMENT)
    assert other_api.get(f"/api/v1/posts/{hidden.id}/receipts").status_code == 404
    assert guest_api.get(f"/api/v1/posts/{staff_only.id}/receipts").status_code == 404


# --- Reminders -------------------------------------------------------------------------------

def test_author_reminds_those_who_have_not_acknowledged(api, member, announcement, readers,
                                                        mailoutbox,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post_json(f"/api/v1/posts/{announcement.id}/remind")
    assert response.status_code == 201
    body = response.json()
    assert body["recipient_count"] == 3
    assert body["next_possible_at"] is not None
    reminded = set(Notification.objects.filter(kind="announcement_reminder")
                   .values_list("recipient_id", flat=True))
    assert reminded == {member.id, readers["paul"].id, readers["late"].id}
    assert len(mailoutbox) == 3


def test_reminding_twice_is_a_429_with_the_next_possible_time(api, announcement):
    path = f"/api/v1/posts/{announcement.id}/remind"
    first = api.post_json(path).json()
    second = api.post_json(path)
    assert second.status_code == 429
    body = second.json()
    assert body["next_possible_at"] == first["next_possible_at"]
    assert "reminder" in body["detail"]
    assert Reminder.objects.count() == 1
    with time_machine.travel(timezone.now() + timedelta(hours=4, minutes=1)):
        assert api.post_json(path).status_code == 201
    assert Reminder.objects.count() == 2


def test_reminding_when_everyone_is_done_is_a_422(api, member, announcement):
    services.acknowledge(user=member, post=announcement)
    response = api.post_json(f"/api/v1/posts/{announcement.id}/remind")
    assert response.status_code == 422
    assert not Reminder.objects.exists()


def test_staff_may_remind_members_may_not(member_api, staff_api, announcement):
    path = f"/api/v1/posts/{announcement.id}/remind"
    assert member_api.post_json(path).status_code == 403
    assert not Reminder.objects.exists()
    assert staff_api.post_json(path).status_code == 201


def test_reminding_about_what_i_cannot_see_is_404(user, other_api, private_group):
    hidden = services.create_post(author=user, group=private_group, body="Managers",
                                  kind=Post.Kind.ANNOUNCEMENT, requires_ack=True)
    assert other_api.post_json(f"/api/v1/posts/{hidden.id}/remind").status_code == 404
    assert not Reminder.objects.exists()


def test_the_feed_does_not_read_comments_it_does_not_return(user, member, member_api, group):
    _fill(group, user, member, posts=3, comments=2, reactions=1)
    member_api.get("/api/v1/me")
    with CaptureQueriesContext(connection) as queries:
        response = member_api.get("/api/v1/feed")
    assert response.status_code == 200
    assert all(item["comment_count"] == 4 for item in response.json()["items"])
    assert not [q["sql"] for q in queries if '"feed_comment"' in q["sql"]]
