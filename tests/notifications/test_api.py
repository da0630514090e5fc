import pytest
from django.test import Client

from feed import services as feed_services
from groups import services as group_services
from notifications import services
from notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(other_user, api_client_for):
    """The recipient of the notifications below."""
    return api_client_for(other_user)


def notify(recipient, group, actor, *, kind=Notification.Kind.MENTION, target_id=1,
           urgent=False) -> Notification:
    target = services.Target(type="post", id=target_id, url=f"/posts/{target_id}/",
                             title="Hello", group_id=group.id if group else None)
    return services.notify([recipient], kind, target, actor=actor, urgent=urgent)[0]


def test_list_notifications_newest_first_with_their_text(api, user, other_user, group):
    first = notify(other_user, group, user, kind=Notification.Kind.MENTION)
    second = notify(other_user, None, user, kind=Notification.Kind.DIRECT_MESSAGE, urgent=True)
    response = api.get("/api/v1/notifications")
    assert response.status_code == 200
    body = response.json()
    assert [n["id"] for n in body["items"]] == [second.id, first.id]
    assert body["next_cursor"] is None
    assert body["items"][1] == {
        "id": first.id, "kind": "mention", "text": "Camille Martin mentioned you in Cardiologie",
        "url": "/posts/1/", "actor": {"id": user.id, "display_name": "Camille Martin"},
        "group": {"id": group.id, "slug": "cardiologie", "name": "Cardiologie"},
        "created": body["items"][1]["created"], "read_at": None, "urgent": False}
    assert body["items"][0]["group"] is None and body["items"][0]["urgent"] is True


def test_only_my_notifications_are_listed(api, user, other_user, group, staff_user):
    notify(staff_user, group, user)
    mine = notify(other_user, group, user)
    assert [n["id"] for n in api.get("/api/v1/notifications").json()["items"]] == [mine.id]


def test_unread_filter(api, user, other_user, group):
    read = notify(other_user, group, user, target_id=1)
    unread = notify(other_user, group, user, target_id=2)
    services.mark_read(user=other_user, ids=[read.id])
    items = api.get("/api/v1/notifications?unread=true").json()["items"]
    assert [n["id"] for n in items] == [unread.id]
    everything = api.get("/api/v1/notifications").json()["items"]
    assert {n["id"] for n in everything} == {read.id, unread.id}
    assert next(n for n in everything if n["id"] == read.id)["read_at"] is not None


def test_pages_with_a_cursor_are_disjoint_and_in_order(api, user, other_user, group):
    created = [notify(other_user, group, user, target_id=n).id for n in range(5)]
    seen, cursor, pages = [], "", 0
    while True:
        body = api.get(f"/api/v1/notifications?limit=2&cursor={cursor}").json()
        pages += 1
        seen.extend(n["id"] for n in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == list(reversed(created))


@pytest.mark.parametrize("cursor", ["abc", "-1", "1.5"])
def test_bad_cursor_is_a_422_with_a_message(cursor, api):
    response = api.get(f"/api/v1/notifications?cursor={cursor}")
    assert response.status_code == 422
    assert "cursor is not valid" in response.json()["detail"]["cursor"][0]


def test_wrongly_typed_filter_is_a_422(api):
    assert api.get("/api/v1/notifications?unread=perhaps").status_code == 422


def test_notifications_of_a_group_i_left_are_hidden(api, user, other_user, private_group):
    group_services.add_member(actor=user, group=private_group, user=other_user)
    notify(other_user, private_group, user)
    # The mention, and "Camille Martin added you to Cadres de santé".
    assert len(api.get("/api/v1/notifications").json()["items"]) == 2
    group_services.leave_group(user=other_user, group=private_group)
    assert api.get("/api/v1/notifications").json()["items"] == []
    assert api.post_json("/api/v1/notifications/read", {"all": True}).json() == {
        "unread_count": 0}


def test_guest_sees_notifications_of_the_shared_group_only(user, guest, group, shared_group,
                                                           api_client_for):
    shared = notify(guest, shared_group, user)
    # Created by hand: ``notify`` itself already drops recipients who cannot see the group.
    Notification.objects.create(recipient=guest, kind="mention", actor=user, group=group,
                                target_type="post", target_id=9, url="/posts/9/")
    items = api_client_for(guest).get("/api/v1/notifications").json()["items"]
    assert [n["id"] for n in items if n["kind"] == "mention"] == [shared.id]


def test_mark_some_read(api, user, other_user, group):
    one = notify(other_user, group, user, target_id=1)
    two = notify(other_user, group, user, target_id=2)
    response = api.post_json("/api/v1/notifications/read", {"ids": [one.id]})
    assert response.status_code == 200
    assert response.json() == {"unread_count": 1}
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.read_at is not None and two.read_at is None


def test_mark_all_read(api, user, other_user, group):
    for n in range(3):
        notify(other_user, group, user, target_id=n)
    assert api.post_json("/api/v1/notifications/read", {"all": True}).json() == {
        "unread_count": 0}
    assert not Notification.objects.filter(recipient=other_user, read_at__isnull=True).exists()


def test_marking_someone_elses_notification_changes_nothing(api, user, staff_user, group):
    theirs = notify(staff_user, group, user)
    assert api.post_json("/api/v1/notifications/read", {"ids": [theirs.id]}).json() == {
        "unread_count": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize("payload", [{}, {"ids": []}, {"all": False}, {"ids": "all"},
                                     {"ids": ["one"]}])
def test_mark_read_without_a_choice_is_a_422(payload, api, user, other_user, group):
    notify(other_user, group, user)
    response = api.post_json("/api/v1/notifications/read", payload)
    assert response.status_code == 422
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_a_deleted_posts_notifications_are_gone(api, user, other_user, group):
    group_services.join_group(user=other_user, group=group)
    post = feed_services.create_post(author=user, group=group, body="Hello @Hugo Bernard")
    assert [n["kind"] for n in api.get("/api/v1/notifications").json()["items"]] == ["mention"]
    feed_services.delete_post(actor=user, post=post)
    assert api.get("/api/v1/notifications").json()["items"] == []
    assert api.post_json("/api/v1/notifications/read", {"all": True}).json() == {
        "unread_count": 0}


@pytest.mark.parametrize(("method", "path"), [("get", "/api/v1/notifications"),
                                              ("post", "/api/v1/notifications/read")])
def test_anonymous_gets_401(method, path, db):
    client = Client()
    response = (client.get(path) if method == "get"
                else client.post(path, '{"all": true}', content_type="application/json"))
    assert response.status_code == 401
