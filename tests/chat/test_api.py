"""The chat API (/api/v1/conversations, /api/v1/messages): docs/api.md, "Chat"."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chat import services
from chat.models import Conversation, Message, MessageEdit, MessageReaction, ReadState
from groups import services as group_services
from groups.models import Membership
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


# --- Fixtures and helpers --------------------------------------------------------------------

@pytest.fixture
def api(user, api_client_for):
    """The owner of ``group`` (so one of its admins)."""
    return api_client_for(user)


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
def third_user(db):
    return make_user("lea.petit@hopital.example", "Léa Petit", language="en")


def send(author, conversation, body="Hello", **extra) -> Message:
    message, _created = services.send_message(author=author, conversation=conversation,
                                              body=body, **extra)
    return message


def messages_url(conversation) -> str:
    return f"/api/v1/conversations/{conversation.id}/messages"


def post(client, conversation, body="Hello", **extra):
    return client.post_json(messages_url(conversation), {"body": body, **extra})


def delete_json(client, path, data):
    return client.delete(path, json.dumps(data), content_type="application/json")


def seqs(response) -> list[int]:
    return [item["seq"] for item in response.json()["items"]]


def detail_fields(response) -> set[str]:
    detail = response.json()["detail"]
    if isinstance(detail, dict):
        return set(detail)
    if isinstance(detail, str):
        return set()
    return {str(error["loc"][-1]) for error in detail}


# --- Every endpoint needs credentials --------------------------------------------------------

ENDPOINTS = [
    ("get", "/api/v1/conversations"),
    ("post", "/api/v1/conversations/direct"),
    ("get", "/api/v1/conversations/{conversation}"),
    ("get", "/api/v1/conversations/{conversation}/messages"),
    ("post", "/api/v1/conversations/{conversation}/messages"),
    ("post", "/api/v1/conversations/{conversation}/read"),
    ("patch", "/api/v1/messages/{message}"),
    ("delete", "/api/v1/messages/{message}"),
    ("post", "/api/v1/messages/{message}/reactions"),
    ("delete", "/api/v1/messages/{message}/reactions"),
    ("get", "/api/v1/messages/{message}/thread"),
    ("get", "/api/v1/messages/{message}/edits"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_anonymous_gets_401_everywhere_and_changes_nothing(method, path, user, channel):
    message = send(user, channel, "Hello")
    path = path.format(conversation=channel.id, message=message.id)
    client = Client()
    body = json.dumps({"body": "Intruder", "emoji": "👍", "user_ids": [user.id]})
    response = (client.get(path) if method == "get"
                else getattr(client, method)(path, body, content_type="application/json"))
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication required."}
    message.refresh_from_db()
    assert (message.body, message.deleted_at) == ("Hello", None)
    assert Message.objects.count() == 1 and not MessageReaction.objects.exists()
    assert Conversation.objects.count() == 1


# --- Who can see and do what -----------------------------------------------------------------

@pytest.fixture
def removed_member(user, other_user, private_group):
    group_services.add_member(actor=user, group=private_group, user=other_user)
    send(other_user, private_group.channel, "I was here")
    group_services.remove_member(actor=user, group=private_group, user=other_user)
    return other_user


@pytest.fixture(params=["non_member_of_private_group", "guest_outside_shared_groups",
                        "removed_member", "non_participant_of_direct"])
def outsider_case(request, user, api_client_for):
    """(client, conversation, message) for someone who may not see that conversation."""
    if request.param == "non_member_of_private_group":
        conversation = request.getfixturevalue("private_group").channel
        person = request.getfixturevalue("other_user")
    elif request.param == "guest_outside_shared_groups":
        request.getfixturevalue("shared_group")
        conversation = request.getfixturevalue("group").channel
        person = request.getfixturevalue("guest")
    elif request.param == "removed_member":
        person = request.getfixturevalue("removed_member")
        conversation = request.getfixturevalue("private_group").channel
    else:
        third = request.getfixturevalue("third_user")
        conversation, _new = services.start_direct(user=user, user_ids=[third.id])
        person = request.getfixturevalue("other_user")
    return api_client_for(person), conversation, send(user, conversation, "Secret")


def test_outsiders_can_neither_read_send_react_nor_mark_read(outsider_case):
    client, conversation, message = outsider_case
    read_states = set(ReadState.objects.values_list("user_id", "last_read_seq"))
    assert conversation.id not in {c["id"] for c in
                                   client.get("/api/v1/conversations").json()["items"]}
    responses = [
        client.get(f"/api/v1/conversations/{conversation.id}"),
        client.get(messages_url(conversation)),
        client.get(f"{messages_url(conversation)}?around={message.id}"),
        post(client, conversation, "Let me in"),
        client.post_json(f"/api/v1/conversations/{conversation.id}/read", {}),
        client.post_json(f"/api/v1/messages/{message.id}/reactions", {"emoji": "👍"}),
        delete_json(client, f"/api/v1/messages/{message.id}/reactions", {"emoji": "👍"}),
        client.get(f"/api/v1/messages/{message.id}/thread"),
        client.get(f"/api/v1/messages/{message.id}/edits"),
        client.patch_json(f"/api/v1/messages/{message.id}", {"body": "Mine now"}),
        client.delete(f"/api/v1/messages/{message.id}"),
        post(client, conversation, "Sneaky reply", thread_id=message.id),
    ]
    # Hidden and missing look the same: 404, never 403.
    assert [r.status_code for r in responses] == [404] * len(responses)
    assert {r.json()["detail"] for r in responses} == {"Not found."}
    assert not Message.objects.filter(body__in=["Let me in", "Sneaky reply"]).exists()
    assert not MessageReaction.objects.exists()
    message.refresh_from_db()
    assert (message.body, message.deleted_at) == ("Secret", None)
    assert set(ReadState.objects.values_list("user_id", "last_read_seq")) == read_states


def test_a_removed_member_stops_seeing_the_channel_they_wrote_in(removed_member, private_group,
                                                                   api_client_for):
    client = api_client_for(removed_member)
    own = Message.objects.get(author=removed_member)
    assert client.get(messages_url(private_group.channel)).status_code == 404
    assert client.get(f"/api/v1/messages/{own.id}/thread").status_code == 404
    assert client.patch_json(f"/api/v1/messages/{own.id}", {"body": "x"}).status_code == 404


def test_a_public_channel_is_readable_by_a_non_member_but_writing_is_403(user, other_api,
                                                                          channel):
    message = send(user, channel, "Visible to all staff")
    conversation = other_api.get(f"/api/v1/conversations/{channel.id}").json()
    assert conversation["can_send"] is False and conversation["unread_count"] is None
    assert conversation["last_read_seq"] is None
    assert [m["body"] for m in other_api.get(messages_url(channel)).json()["items"]] == [
        "Visible to all staff"]
    assert other_api.get(f"/api/v1/messages/{message.id}/thread").status_code == 200
    sent = post(other_api, channel, "Hello from outside")
    assert sent.status_code == 403 and sent.json()["detail"]
    reacted = other_api.post_json(f"/api/v1/messages/{message.id}/reactions", {"emoji": "👍"})
    assert reacted.status_code == 403
    replied = post(other_api, channel, "A reply from outside", thread_id=message.id)
    assert replied.status_code == 403
    assert Message.objects.count() == 1 and not MessageReaction.objects.exists()
    # Not one of theirs: it is not in their list.
    assert other_api.get("/api/v1/conversations").json()["items"] == []


def test_an_archived_groups_channel_is_read_only(user, api, channel, group):
    send(user, channel, "Before")
    group_services.set_archived(actor=user, group=group, archived=True)
    assert api.get(messages_url(channel)).status_code == 200
    response = post(api, channel, "After")
    assert response.status_code == 403 and "archived" in response.json()["detail"]


# --- GET /conversations, GET /conversations/{id} ---------------------------------------------

def test_my_conversations_are_my_channels_and_direct_ones_most_recent_first(
        user, member, member_api, group, channel, private_group, third_user, staff_user):
    other_public = group_services.create_group(creator=staff_user, name="Pharmacie")
    direct, _new = services.start_direct(user=user, user_ids=[member.id, third_user.id])
    send(user, channel, "First")
    send(user, direct, "Second")
    items = member_api.get("/api/v1/conversations").json()["items"]
    assert [item["id"] for item in items] == [direct.id, channel.id]
    assert other_public.channel.id not in {item["id"] for item in items}
    assert private_group.channel.id not in {item["id"] for item in items}
    direct.refresh_from_db()
    assert items[0] == {
        "id": direct.id, "kind": "direct", "title": "Camille Martin, Léa Petit", "group": None,
        "participants": [{"id": user.id, "display_name": "Camille Martin"},
                         {"id": member.id, "display_name": "Hugo Bernard"},
                         {"id": third_user.id, "display_name": "Léa Petit"}],
        "urgent_allowed": True, "last_seq": 1,
        "last_message_at": items[0]["last_message_at"], "last_read_seq": 0,
        "unread_count": 1, "mention_count": 0,
    }
    assert items[0]["last_message_at"] is not None
    assert items[1] == {
        "id": channel.id, "kind": "channel", "title": "Cardiologie",
        "group": {"id": group.id, "slug": "cardiologie", "name": "Cardiologie"},
        "participants": [], "urgent_allowed": False, "last_seq": 1,
        "last_message_at": items[1]["last_message_at"], "last_read_seq": 0,
        "unread_count": 1, "mention_count": 0,
    }


def test_one_conversation_says_what_i_may_do(api, member_api, channel, user, member):
    mine = api.get(f"/api/v1/conversations/{channel.id}").json()
    assert (mine["can_send"], mine["can_moderate"]) == (True, True)
    theirs = member_api.get(f"/api/v1/conversations/{channel.id}").json()
    assert (theirs["can_send"], theirs["can_moderate"]) == (True, False)
    assert theirs["unread_count"] == 0 and theirs["last_read_seq"] == 0


def test_an_unknown_conversation_is_404(api):
    assert api.get("/api/v1/conversations/987654").status_code == 404
    assert api.get("/api/v1/conversations/99999999999999999999999").status_code == 404
    assert api.get("/api/v1/conversations/987654/messages").status_code == 404
    assert post(api, type("Missing", (), {"id": 987654})).status_code == 404
    assert api.get("/api/v1/messages/99999999999999999999999/thread").status_code == 404
    assert api.patch_json("/api/v1/messages/99999999999999999999999",
                          {"body": "x"}).status_code == 404


def test_unread_and_mention_counts_go_down_after_read(user, member, member_api, channel):
    first = send(user, channel, "One")
    second = send(user, channel, "Two, @Hugo Bernard")
    send(user, channel, "Three")
    send(member, channel, "My own message is not unread")

    def counts():
        row = next(c for c in member_api.get("/api/v1/conversations").json()["items"]
                   if c["id"] == channel.id)
        return row["unread_count"], row["mention_count"]

    # Sending marks read up to one's own message.
    assert counts() == (0, 0)
    ReadState.objects.filter(user=member).update(last_read_seq=0)
    assert counts() == (3, 1)
    read = member_api.post_json(f"/api/v1/conversations/{channel.id}/read",
                                {"message_id": first.id})
    assert read.status_code == 200 and read.json() == {"last_read_seq": 1}
    assert counts() == (2, 1)
    assert member_api.post_json(f"/api/v1/conversations/{channel.id}/read",
                                {"message_id": second.id}).json() == {"last_read_seq": 2}
    assert counts() == (1, 0)
    # Without a message: up to the end.
    assert member_api.post_json(f"/api/v1/conversations/{channel.id}/read").json() == {
        "last_read_seq": 4}
    assert counts() == (0, 0)
    # An old tab never moves the pointer back.
    assert member_api.post_json(f"/api/v1/conversations/{channel.id}/read",
                                {"message_id": first.id}).json() == {"last_read_seq": 4}


def test_mark_read_refuses_a_message_of_another_conversation(user, member, member_api, channel,
                                                            private_group):
    elsewhere = send(user, private_group.channel, "Elsewhere")
    response = member_api.post_json(f"/api/v1/conversations/{channel.id}/read",
                                    {"message_id": elsewhere.id})
    assert response.status_code == 422 and detail_fields(response) == {"message_id"}
    huge = member_api.post_json(f"/api/v1/conversations/{channel.id}/read",
                                {"message_id": 2**70})
    assert huge.status_code == 422


# --- POST /conversations/direct ----------------------------------------------------------------

def test_start_direct_creates_it_once_then_returns_the_existing_one(user, other_user, api,
                                                                    other_api):
    created = api.post_json("/api/v1/conversations/direct", {"user_ids": [other_user.id]})
    assert created.status_code == 201
    body = created.json()
    assert body["kind"] == "direct" and body["title"] == "Hugo Bernard"
    assert body["can_send"] is True
    again = other_api.post_json("/api/v1/conversations/direct",
                                {"user_ids": [user.id, other_user.id]})
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert Conversation.objects.filter(kind="direct").count() == 1


def test_a_direct_conversation_tells_each_persons_presence(user, other_user, api, channel):
    from chat import presence

    presence.opened(user_id=other_user.id, channel_name="specific.other-tab")
    body = api.post_json("/api/v1/conversations/direct", {"user_ids": [other_user.id]}).json()
    statuses = {row["user_id"]: row["status"] for row in body["presence"]}
    assert statuses == {user.id: "offline", other_user.id: "online"}
    assert api.get(f"/api/v1/conversations/{channel.id}").json()["presence"] == []


def test_a_guest_starts_direct_conversations_only_with_people_sharing_a_group(
        user, other_user, guest, guest_api, shared_group):
    allowed = guest_api.post_json("/api/v1/conversations/direct", {"user_ids": [user.id]})
    assert allowed.status_code == 201
    refused = guest_api.post_json("/api/v1/conversations/direct",
                                  {"user_ids": [other_user.id]})
    assert refused.status_code == 422 and detail_fields(refused) == {"user_ids"}
    both = guest_api.post_json("/api/v1/conversations/direct",
                               {"user_ids": [user.id, other_user.id]})
    assert both.status_code == 422
    assert Conversation.objects.filter(kind="direct").count() == 1
    # Their shared group's channel is theirs to read and write in.
    mine = {c["id"] for c in guest_api.get("/api/v1/conversations").json()["items"]}
    assert mine == {shared_group.channel.id, allowed.json()["id"]}
    assert post(guest_api, shared_group.channel, "Delivery on Monday").status_code == 201


@pytest.mark.parametrize("user_ids", [[], "self", "too_many", [987654], [2**70], ["abc"], None])
def test_start_direct_refuses_bad_input_with_422(user, api, user_ids):
    if user_ids == "self":
        user_ids = [user.id]
    elif user_ids == "too_many":
        user_ids = [make_user(f"p{i}@hopital.example", f"Person {i}").id for i in range(20)]
    response = api.post_json("/api/v1/conversations/direct", {"user_ids": user_ids})
    assert response.status_code == 422 and response.json()["detail"]
    assert not Conversation.objects.filter(kind="direct").exists()


def test_a_non_participant_cannot_read_a_direct_conversation(user, other_user, third_user,
                                                            api_client_for):
    direct, _new = services.start_direct(user=user, user_ids=[other_user.id])
    send(user, direct, "Between us")
    participant = api_client_for(other_user).get(messages_url(direct))
    assert [m["body"] for m in participant.json()["items"]] == ["Between us"]
    stranger = api_client_for(third_user)
    assert stranger.get(f"/api/v1/conversations/{direct.id}").status_code == 404
    assert stranger.get(messages_url(direct)).status_code == 404


# --- POST /conversations/{id}/messages ---------------------------------------------------------

def test_send_returns_201_with_the_stored_message(user, member, member_api, channel):
    response = post(member_api, channel, "Hello **team**", client_id="tab1-0001")
    assert response.status_code == 201
    body = response.json()
    message = Message.objects.get()
    assert body == {
        "id": message.id, "conversation_id": channel.id, "seq": 1,
        "author": {"id": member.id, "display_name": "Hugo Bernard"}, "client_id": "tab1-0001",
        "body": "Hello **team**", "body_html": "<p>Hello <strong>team</strong></p>",
        "thread_root_id": None, "also_in_channel": False, "reply_count": 0,
        "thread_participants": [], "urgent": False,
        "created": message.created.isoformat(), "edited_at": None, "deleted": False,
        "attachments": [], "reactions": [],
    }


def test_a_retried_send_returns_the_same_message_and_creates_no_duplicate(user, member,
                                                                          member_api, channel,
                                                                          sent_events):
    with sent_events.after_commit():
        first = post(member_api, channel, "Bed 12 needs a check", client_id="retry-1")
        retried = post(member_api, channel, "Bed 12 needs a check", client_id="retry-1")
    assert (first.status_code, retried.status_code) == (201, 200)
    assert retried.json() == first.json()
    assert Message.objects.count() == 1
    assert len(sent_events.of_type("message.created")) == 1
    # Another person's client may use the same id: it is scoped to its author.
    theirs = post(member_api.__class__(user), channel, "Mine", client_id="retry-1")
    assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"]


def test_seq_order_is_total_and_increasing(user, member, api, member_api, channel):
    root = post(api, channel, "Root").json()
    post(member_api, channel, "In the thread", thread_id=root["id"])
    post(api, channel, "Also in the channel", thread_id=root["id"], also_in_channel=True)
    post(member_api, channel, "Next")
    stored = list(Message.objects.filter(conversation=channel).order_by("id")
                  .values_list("seq", flat=True))
    assert stored == [1, 2, 3, 4]
    history = api.get(messages_url(channel)).json()["items"]
    # Thread-only replies stay in their thread; the order is the same for every reader.
    assert [m["seq"] for m in history] == [1, 3, 4]
    assert member_api.get(messages_url(channel)).json()["items"] == [
        {**m, "reactions": []} for m in history]
    assert api.get(f"/api/v1/conversations/{channel.id}").json()["last_seq"] == 4


@pytest.mark.parametrize(("payload", "field"), [
    ({"body": ""}, "body"),
    ({"body": "   \n "}, "body"),
    ({}, "body"),
    ({"body": "x" * 31}, "body"),
    ({"body": "Hi", "thread_id": 987654}, "thread_id"),
    ({"body": "Hi", "thread_id": 2**70}, "thread_id"),
    ({"body": "Hi", "client_id": "c" * 65}, "client_id"),
    ({"body": "Hi", "client_id": 42}, "client_id"),
    ({"body": "Hi\x00there"}, "body"),
    ({"body": ["not", "text"]}, "body"),
])
def test_send_refuses_bad_input_with_422(member, member_api, channel, settings, payload, field):
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "message_chars": 30}
    response = member_api.post_json(messages_url(channel), payload)
    assert response.status_code == 422
    assert field in detail_fields(response)
    assert not Message.objects.exists()


def test_the_length_limit_is_named_in_the_refusal(member_api, member, channel, settings):
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "message_chars": 30}
    response = post(member_api, channel, "x" * 31)
    assert "30" in response.json()["detail"]["body"][0]
    assert post(member_api, channel, "x" * 30).status_code == 201


def test_a_thread_id_of_another_conversation_is_422(user, member, member_api, channel,
                                                     private_group):
    elsewhere = send(user, private_group.channel, "Elsewhere")
    response = post(member_api, channel, "Reply", thread_id=elsewhere.id)
    assert response.status_code == 422 and detail_fields(response) == {"thread_id"}


def test_malformed_json_is_400_not_500(member, member_api, channel):
    response = member_api.post(messages_url(channel), "{not json",
                               content_type="application/json")
    assert response.status_code == 400
    assert not Message.objects.exists()


def test_urgent_needs_the_channel_to_allow_it(user, member, member_api, channel):
    refused = post(member_api, channel, "Code blue", urgent=True)
    assert refused.status_code == 403 and not Message.objects.exists()
    services.set_urgent_allowed(actor=user, conversation=channel, allowed=True)
    sent = post(member_api, channel, "Code blue", urgent=True)
    assert sent.status_code == 201 and sent.json()["urgent"] is True


# --- GET /conversations/{id}/messages ------------------------------------------------------------

def test_history_pages_before_after_and_around_in_disjoint_ordered_windows(user, api, channel):
    ids = [send(user, channel, f"Message {n}").id for n in range(1, 13)]
    latest = api.get(f"{messages_url(channel)}?limit=5").json()
    assert [m["seq"] for m in latest["items"]] == [8, 9, 10, 11, 12]
    assert (latest["more_before"], latest["more_after"]) == (True, False)
    older = api.get(f"{messages_url(channel)}?before=8&limit=5").json()
    assert [m["seq"] for m in older["items"]] == [3, 4, 5, 6, 7]
    assert (older["more_before"], older["more_after"]) == (True, True)
    oldest = api.get(f"{messages_url(channel)}?before=3&limit=5").json()
    assert [m["seq"] for m in oldest["items"]] == [1, 2]
    assert oldest["more_before"] is False
    assert [m["id"] for m in oldest["items"] + older["items"] + latest["items"]] == ids
    newer = api.get(f"{messages_url(channel)}?after=2&limit=5").json()
    assert [m["seq"] for m in newer["items"]] == [3, 4, 5, 6, 7]
    assert (newer["more_before"], newer["more_after"]) == (True, True)
    last = api.get(f"{messages_url(channel)}?after=7&limit=5").json()
    assert [m["seq"] for m in last["items"]] == [8, 9, 10, 11, 12]
    assert last["more_after"] is False
    around = api.get(f"{messages_url(channel)}?around={ids[5]}&limit=4").json()
    assert [m["seq"] for m in around["items"]] == [4, 5, 6, 7]
    assert (around["more_before"], around["more_after"]) == (True, True)
    # limit is capped by the page size setting and is at least 1.
    assert len(api.get(f"{messages_url(channel)}?limit=0").json()["items"]) == 1


@pytest.mark.parametrize("query", ["before=3&after=1", "before=-1", "after=abc",
                                   "around=987654", "around=0",
                                   "before=99999999999999999999999"])
def test_history_refuses_bad_paging_with_422(user, api, channel, query):
    send(user, channel, "Hello")
    response = api.get(f"{messages_url(channel)}?{query}")
    assert response.status_code == 422 and response.json()["detail"]


def test_a_deleted_message_shows_as_deleted_without_text(user, member, api, member_api,
                                                          channel):
    message = send(member, channel, "Oops, wrong patient")
    services.react(user=user, message=message, emoji="👍")
    deleted = member_api.delete(f"/api/v1/messages/{message.id}")
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True
    item = api.get(messages_url(channel)).json()["items"][0]
    assert item["id"] == message.id and item["deleted"] is True
    assert (item["body"], item["body_html"], item["reactions"]) == ("", "", [])
    assert "wrong patient" not in json.dumps(api.get(messages_url(channel)).json())


def test_history_shows_reactions_with_mine_and_names(user, member, api, member_api, channel):
    message = send(user, channel, "Lunch?")
    services.react(user=member, message=message, emoji="👍")
    services.react(user=user, message=message, emoji="👍")
    services.react(user=member, message=message, emoji="🎉")
    mine = api.get(messages_url(channel)).json()["items"][0]["reactions"]
    assert mine == [{"emoji": "👍", "count": 2, "mine": True,
                     "names": ["Hugo Bernard", "Camille Martin"]},
                    {"emoji": "🎉", "count": 1, "mine": False, "names": ["Hugo Bernard"]}]
    theirs = member_api.get(messages_url(channel)).json()["items"][0]["reactions"]
    assert [r["mine"] for r in theirs] == [True, True]


def test_history_runs_the_same_queries_for_5_and_50_messages(user, member, channel,
                                                             api_client_for, private_group):
    def fill(conversation, count):
        for n in range(count):
            message = send(user, conversation, f"Message {n}")
            services.react(user=user, message=message, emoji="👍")
            if conversation.group_id == group_of_member:
                services.react(user=member, message=message, emoji="🎉")

    group_of_member = channel.group_id
    group_services.add_member(actor=user, group=private_group, user=member)
    fill(channel, 5)
    fill(private_group.channel, 50)
    client = api_client_for(member)
    client.get("/api/v1/conversations")  # the token's first use is recorded once

    def queries(conversation):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(messages_url(conversation))
        assert response.status_code == 200
        return len(captured.captured_queries), len(response.json()["items"])

    small, shown_small = queries(channel)
    large, shown_large = queries(private_group.channel)
    assert (shown_small, shown_large) == (5, 50)
    assert small == large
    assert small <= 5


def test_my_conversation_list_runs_the_same_queries_however_many(user, member, member_api,
                                                                 staff_user, channel):
    services.start_direct(user=user, user_ids=[member.id])
    member_api.get("/api/v1/conversations")
    with CaptureQueriesContext(connection) as few:
        member_api.get("/api/v1/conversations")
    for n in range(3):
        extra = group_services.create_group(creator=staff_user, name=f"Team {n}")
        group_services.join_group(user=member, group=extra)
        third = make_user(f"t{n}@hopital.example", f"Third {n}")
        services.start_direct(user=member, user_ids=[third.id, user.id])
    with CaptureQueriesContext(connection) as many:
        response = member_api.get("/api/v1/conversations")
    assert len(response.json()["items"]) == 8
    assert len(many.captured_queries) == len(few.captured_queries)


# --- PATCH, DELETE /messages/{id}; edits ---------------------------------------------------------

def test_the_author_edits_and_the_edit_history_is_for_group_admins_only(user, member, api,
                                                                        member_api, channel,
                                                                        other_user):
    message = send(member, channel, "Meeting at 10")
    edited = member_api.patch_json(f"/api/v1/messages/{message.id}", {"body": "Meeting at 11"})
    assert edited.status_code == 200
    assert edited.json()["body"] == "Meeting at 11" and edited.json()["edited_at"]
    history = api.get(messages_url(channel)).json()["items"][0]
    assert history["body"] == "Meeting at 11" and history["edited_at"] is not None
    # The group's owner sees the earlier text; its author, a plain member, does not.
    edits = api.get(f"/api/v1/messages/{message.id}/edits")
    assert edits.status_code == 200
    assert [(e["body"], e["edited_by"]) for e in edits.json()["items"]] == [
        ("Meeting at 10", {"id": member.id, "display_name": "Hugo Bernard"})]
    refused = member_api.get(f"/api/v1/messages/{message.id}/edits")
    assert refused.status_code == 403 and refused.json()["detail"]


def test_edits_of_a_direct_message_are_for_no_one(user, other_user, api, api_client_for):
    direct, _new = services.start_direct(user=user, user_ids=[other_user.id])
    message = send(user, direct, "Hi")
    api.patch_json(f"/api/v1/messages/{message.id}", {"body": "Hello"})
    assert api.get(f"/api/v1/messages/{message.id}/edits").status_code == 403
    assert api_client_for(other_user).get(
        f"/api/v1/messages/{message.id}/edits").status_code == 403
    assert MessageEdit.objects.filter(message=message).count() == 1


def test_only_the_author_edits(user, member, api, member_api, channel):
    message = send(user, channel, "Mine")
    response = member_api.patch_json(f"/api/v1/messages/{message.id}", {"body": "Yours"})
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.body == "Mine"


@pytest.mark.parametrize(("payload", "status"), [({"body": ""}, 422), ({"body": "x" * 31}, 422),
                                                 ({}, 422), ({"body": "a\x00b"}, 422)])
def test_edit_refuses_bad_input(user, api, channel, settings, payload, status):
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "message_chars": 30}
    message = send(user, channel, "Fine")
    assert api.patch_json(f"/api/v1/messages/{message.id}", payload).status_code == status
    message.refresh_from_db()
    assert message.body == "Fine" and message.edited_at is None


def test_delete_by_the_author_or_a_group_admin_only(user, member, api, member_api, channel,
                                                    third_user):
    group_services.join_group(user=third_user, group=channel.group)
    theirs = send(third_user, channel, "Third's")
    refused = member_api.delete(f"/api/v1/messages/{theirs.id}")
    assert refused.status_code == 403
    theirs.refresh_from_db()
    assert theirs.deleted_at is None
    assert api.delete(f"/api/v1/messages/{theirs.id}").status_code == 200
    # Deleting twice: it is already gone.
    assert api.delete(f"/api/v1/messages/{theirs.id}").status_code == 403
    # The admins keep the deleted text in the edit history.
    edits = api.get(f"/api/v1/messages/{theirs.id}/edits").json()["items"]
    assert [e["body"] for e in edits] == ["Third's"]


# --- Reactions ---------------------------------------------------------------------------------

def test_react_and_take_back(user, member, api, member_api, channel):
    message = send(user, channel, "Shift swap?")
    url = f"/api/v1/messages/{message.id}/reactions"
    added = member_api.post_json(url, {"emoji": "👍"})
    assert added.status_code == 200
    assert added.json() == {"reactions": [{"emoji": "👍", "count": 1, "mine": True,
                                           "names": ["Hugo Bernard"]}]}
    again = member_api.post_json(url, {"emoji": "👍"})
    assert again.json()["reactions"][0]["count"] == 1
    both = api.post_json(url, {"emoji": "👍"}).json()["reactions"]
    assert both[0]["count"] == 2 and both[0]["mine"] is True
    taken_back = delete_json(member_api, url, {"emoji": "👍"})
    assert taken_back.status_code == 200
    assert taken_back.json() == {"reactions": [{"emoji": "👍", "count": 1, "mine": False,
                                                "names": ["Camille Martin"]}]}


@pytest.mark.parametrize("payload", [{"emoji": "🦄"}, {"emoji": ""}, {}, {"emoji": 3}])
def test_react_refuses_emoji_outside_the_palette(user, member, member_api, channel, payload):
    message = send(user, channel, "Hi")
    response = member_api.post_json(f"/api/v1/messages/{message.id}/reactions", payload)
    assert response.status_code == 422
    assert not MessageReaction.objects.exists()


def test_no_reaction_on_a_deleted_message(user, member, member_api, channel):
    message = send(user, channel, "Hi")
    services.delete_message(actor=user, message=message)
    response = member_api.post_json(f"/api/v1/messages/{message.id}/reactions",
                                    {"emoji": "👍"})
    assert response.status_code == 422
    assert not MessageReaction.objects.exists()


# --- Threads ---------------------------------------------------------------------------------

def test_thread_shows_the_root_and_its_replies_from_any_of_their_ids(user, member, api,
                                                                     member_api, channel):
    root = send(user, channel, "Who has the keys?")
    first = post(member_api, channel, "I do", thread_id=root.id).json()
    assert first["thread_root_id"] == root.id
    # Answering a reply answers its thread: threads are one level deep.
    second = post(api, channel, "Thanks", thread_id=first["id"]).json()
    assert second["thread_root_id"] == root.id
    from_root = member_api.get(f"/api/v1/messages/{root.id}/thread")
    assert from_root.status_code == 200
    body = from_root.json()
    assert body["root"]["id"] == root.id and body["root"]["reply_count"] == 2
    assert [m["id"] for m in body["items"]] == [first["id"], second["id"]]
    assert body["following"] is True
    assert member_api.get(f"/api/v1/messages/{second['id']}/thread").json() == body
    assert [m["id"] for m in api.get(messages_url(channel)).json()["items"]] == [root.id]


def test_a_thread_root_names_who_replied_first_repliers_first(user, member, api, member_api,
                                                             channel, sent_events):
    root = send(user, channel, "Who has the keys?")
    plain = send(user, channel, "No thread here")
    with sent_events.after_commit():
        post(member_api, channel, "I do", thread_id=root.id)
        post(api, channel, "Thanks", thread_id=root.id)
        post(member_api, channel, "You're welcome", thread_id=root.id)
    items = {m["id"]: m for m in api.get(messages_url(channel)).json()["items"]}
    assert items[root.id]["thread_participants"] == [
        {"id": member.id, "display_name": "Hugo Bernard"},
        {"id": user.id, "display_name": "Camille Martin"}]
    assert items[plain.id]["thread_participants"] == []
    updates = [e for e in sent_events.events if e["type"] == "message.updated"]
    assert updates[-1]["data"]["message"]["thread_participants"][0]["id"] == member.id


def test_a_thread_of_a_message_without_replies_is_empty(user, other_api, channel):
    root = send(user, channel, "Alone")
    body = other_api.get(f"/api/v1/messages/{root.id}/thread").json()
    assert body["root"]["id"] == root.id and body["items"] == []
    assert body["following"] is False
    assert other_api.get("/api/v1/messages/987654/thread").status_code == 404


# --- The group's channel id --------------------------------------------------------------------

def test_a_groups_channel_id_is_in_the_group_api(api, other_api, group, channel):
    assert api.get("/api/v1/groups/cardiologie").json()["channel_id"] == channel.id
    item = other_api.get("/api/v1/groups").json()["items"][0]
    assert item["channel_id"] == channel.id
    assert other_api.get(f"/api/v1/conversations/{item['channel_id']}").status_code == 200


def test_a_group_without_a_channel_has_a_null_channel_id(api, group):
    Conversation.objects.filter(group=group).delete()
    assert api.get("/api/v1/groups/cardiologie").json()["channel_id"] is None


def test_a_member_made_admin_sees_the_edit_history(user, member, member_api, group, channel):
    group_services.change_role(actor=user, group=group, user=member,
                               role=Membership.Role.ADMIN)
    message = send(user, channel, "Hello")
    assert member_api.get(f"/api/v1/messages/{message.id}/edits").status_code == 200


def test_the_openapi_document_describes_the_chat_api(api):
    paths = api.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/conversations", "/api/v1/conversations/direct",
            "/api/v1/conversations/{conversation_id}/messages",
            "/api/v1/conversations/{conversation_id}/read",
            "/api/v1/messages/{message_id}/thread",
            "/api/v1/messages/{message_id}/edits"} <= set(paths)
    assert set(paths["/api/v1/messages/{message_id}/reactions"]) == {"post", "delete"}
