import pytest
from django.urls import reverse

from groups import services as group_services
from notifications import services
from notifications.models import Notification
from notifications.selectors import page
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
Kind = Notification.Kind


def notify(recipient, *, actor=None, group=None, url="/posts/1/", kind=Kind.MENTION,
           title="Shift change", target_id=None) -> Notification:
    notify.count = getattr(notify, "count", 0) + 1
    target = services.Target(type="post", id=target_id or notify.count, url=url, title=title,
                             group_id=group.id if group else None)
    created = services.notify([recipient], kind, target, actor=actor)
    assert len(created) == 1
    return created[0]


def rows_of(response) -> list[int]:
    """The newest notification of each line, unread lines first."""
    return [row["notification"].id
            for row in response.context.get("unread_rows", []) + response.context["rows"]]


@pytest.fixture
def mine(user, other_user, group):
    """Two notifications for ``user``: an older read one and a newer unread one."""
    read = notify(user, actor=other_user, group=group, url="/posts/1/")
    services.mark_read(user=user, ids=[read.id])
    unread = notify(user, actor=other_user, group=group, url="/posts/2/#comment-3",
                    kind=Kind.REPLY)
    return {"read": read, "unread": unread}


# --- The list ----------------------------------------------------------------------------------

def test_list_shows_my_notifications_newest_first_with_their_text(member_client, mine):
    response = member_client.get(reverse("notifications:list"))
    assert response.status_code == 200
    assert rows_of(response) == [mine["unread"].id, mine["read"].id]
    assert b"Hugo Bernard replied in Cardiologie" in response.content
    assert b"Hugo Bernard mentioned you in Cardiologie" in response.content
    assert b"Shift change" in response.content
    assert reverse("notifications:open", args=[mine["unread"].id]).encode() in response.content


def test_unread_filter_shows_only_unread_notifications(member_client, mine):
    response = member_client.get(reverse("notifications:list"), {"filter": "unread"})
    assert rows_of(response) == [mine["unread"].id]
    assert response.context["unread_only"]


def test_list_says_when_everything_is_read(member_client, user, mine):
    services.mark_all_read(user=user)
    response = member_client.get(reverse("notifications:list"), {"filter": "unread"})
    assert rows_of(response) == []
    assert b"You have read everything." in response.content


def test_list_does_not_show_other_peoples_notifications(other_client, mine):
    response = other_client.get(reverse("notifications:list"))
    assert rows_of(response) == []
    assert b"You have no notifications." in response.content


def test_list_pages_with_older_notifications_through_htmx(member_client, user, other_user):
    made = [notify(user, actor=other_user, title=f"Note {n}") for n in range(31)]
    services.mark_all_read(user=user)
    response = member_client.get(reverse("notifications:list"))
    assert len(rows_of(response)) == 30 and response.context["more"]
    before = response.context["next_before"]
    assert f"before={before}".encode() in response.content
    older = member_client.get(reverse("notifications:list"), {"before": before}, **HTMX)
    assert b"<html" not in older.content
    assert rows_of(older) == [made[0].id]
    assert not older.context["more"]


@pytest.mark.parametrize("before", ["²", "abc", "99999999999999999999999", ""])
def test_list_with_a_bad_before_shows_the_first_page(before, member_client, mine):
    response = member_client.get(reverse("notifications:list"), {"before": before})
    assert response.status_code == 200
    assert rows_of(response) == [mine["unread"].id, mine["read"].id]


def test_list_shows_the_mark_all_button_only_with_unread(member_client, user, mine):
    action = reverse("notifications:mark_all_read").encode()
    assert action in member_client.get(reverse("notifications:list")).content
    services.mark_all_read(user=user)
    assert action not in member_client.get(reverse("notifications:list")).content


def test_unread_lines_come_first_even_when_older(member_client, user, other_user):
    old_unread = notify(user, actor=other_user, title="Old")
    newer_read = notify(user, actor=other_user, title="Newer")
    services.mark_read(user=user, ids=[newer_read.id])
    response = member_client.get(reverse("notifications:list"))
    assert rows_of(response) == [old_unread.id, newer_read.id]
    assert b"notifications-new" in response.content and b"notifications-earlier" in response.content


def test_notifications_about_the_same_target_are_one_line(member_client, user, other_user,
                                                          staff_user):
    first = notify(user, actor=other_user, kind=Kind.REACTION, target_id=500)
    second = notify(user, actor=staff_user, kind=Kind.REACTION, target_id=500)
    other = notify(user, actor=staff_user, kind=Kind.REACTION, target_id=501)
    response = member_client.get(reverse("notifications:list"))
    assert rows_of(response) == [other.id, second.id]
    [line] = [row for row in response.context["unread_rows"] if row["notification"] == second]
    assert line["entry"].ids == [second.id, first.id]
    assert line["text"].startswith(f"{staff_user.display_name} and 1 other reacted")
    member_client.get(reverse("notifications:open", args=[second.id]))
    assert Notification.objects.filter(id__in=[first.id, second.id],
                                       read_at__isnull=True).count() == 0
    assert Notification.objects.get(id=other.id).read_at is None


# --- Opening and marking read ------------------------------------------------------------------

def test_open_marks_the_notification_read_and_goes_to_its_target(member_client, mine):
    unread = mine["unread"]
    response = member_client.get(reverse("notifications:open", args=[unread.id]))
    assert response.status_code == 302
    assert response["Location"] == "/posts/2/#comment-3"
    unread.refresh_from_db()
    assert unread.read_at is not None


def test_open_a_notification_pointing_elsewhere_goes_to_the_list(member_client, user):
    odd = notify(user, url="https://evil.example/phish")
    response = member_client.get(reverse("notifications:open", args=[odd.id]))
    assert response["Location"] == reverse("notifications:list")


def test_open_another_users_notification_is_404_and_leaves_it_unread(other_client, mine):
    unread = mine["unread"]
    assert other_client.get(reverse("notifications:open", args=[unread.id])).status_code == 404
    assert other_client.get(reverse("notifications:open", args=[999999])).status_code == 404
    unread.refresh_from_db()
    assert unread.read_at is None


def test_mark_all_read_marks_only_mine(member_client, user, other_user, mine):
    theirs = notify(other_user, actor=user)
    response = member_client.post(reverse("notifications:mark_all_read"))
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:list")
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_marks_the_chosen_ones_of_mine_only(member_client, user, other_user):
    first, second = notify(user, title="One"), notify(user, title="Two")
    theirs = notify(other_user, actor=user)
    response = member_client.post(reverse("notifications:mark_read"),
                                  {"id": [first.id, theirs.id]})
    assert response.status_code == 302
    assert set(Notification.objects.filter(read_at__isnull=False)
               .values_list("id", flat=True)) == {first.id}
    assert second.id in set(Notification.objects.filter(read_at__isnull=True)
                            .values_list("id", flat=True))


def test_mark_read_with_htmx_answers_with_the_badge(member_client, user):
    first = notify(user, title="One")
    notify(user, title="Two")
    response = member_client.post(reverse("notifications:mark_read"), {"id": first.id}, **HTMX)
    assert response.status_code == 200
    assert b'data-count="1"' in response.content
    assert b"<html" not in response.content


def test_mark_read_goes_back_to_a_local_page_only(member_client, user):
    first = notify(user)
    back = reverse("home")
    response = member_client.post(reverse("notifications:mark_read"),
                                  {"id": first.id, "next": back})
    assert response["Location"] == back
    response = member_client.post(reverse("notifications:mark_read"),
                                  {"id": first.id, "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:list")


@pytest.mark.parametrize("bad", ["²", "99999999999999999999999", "x"])
def test_mark_read_ignores_ids_that_cannot_exist(bad, member_client, user):
    first = notify(user)
    response = member_client.post(reverse("notifications:mark_read"), {"id": [bad, first.id]})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None


@pytest.mark.parametrize("name", ["mark_read", "mark_all_read"])
def test_marking_read_refuses_get(name, member_client):
    assert member_client.get(reverse(f"notifications:{name}")).status_code == 405


# --- The badge ---------------------------------------------------------------------------------

def test_badge_fragment_shows_the_unread_count(member_client, user, mine):
    notify(user, title="Another")
    response = member_client.get(reverse("notifications:badge"), **HTMX)
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b'data-count="2"' in response.content
    assert b" hidden" not in response.content


def test_badge_is_hidden_when_everything_is_read(member_client, user, mine):
    services.mark_all_read(user=user)
    response = member_client.get(reverse("notifications:badge"))
    assert b'data-count="0" hidden' in response.content


def test_navigation_badge_on_every_page_counts_unread(member_client, user, mine):
    response = member_client.get(reverse("notifications:list"))
    badge = response.content.split(b'data-badge="notifications"', 1)[1][:40]
    assert b'data-count="1"' in badge


# --- Notifications about what I can no longer see ----------------------------------------------

def test_notifications_of_a_group_i_left_are_hidden_everywhere(other_client, user, other_user,
                                                               private_group):
    group_services.add_member(actor=user, group=private_group, user=other_user)
    hidden = notify(other_user, actor=user, group=private_group, title="Managers only")
    visible = notify(other_user, actor=user, title="About nothing in particular")
    group_services.remove_member(actor=user, group=private_group, user=other_user)

    response = other_client.get(reverse("notifications:list"))
    assert rows_of(response) == [visible.id]
    assert b"Managers only" not in response.content
    unread = other_client.get(reverse("notifications:list"), {"filter": "unread"})
    assert rows_of(unread) == [visible.id]
    assert b'data-count="1"' in other_client.get(reverse("notifications:badge")).content
    assert other_client.get(reverse("notifications:open", args=[hidden.id])).status_code == 404


def test_guest_stops_seeing_notifications_of_a_group_closed_to_guests(guest_client, user, guest,
                                                                      shared_group):
    Notification.objects.filter(recipient=guest).delete()  # "added you to the group"
    hidden = notify(guest, actor=user, group=shared_group, title="Partner news")
    assert rows_of(guest_client.get(reverse("notifications:list"))) == [hidden.id]
    group_services.update_group(actor=user, group=shared_group, allow_guests=False)
    assert rows_of(guest_client.get(reverse("notifications:list"))) == []
    assert guest_client.get(reverse("notifications:open", args=[hidden.id])).status_code == 404
    assert b'data-count="0"' in guest_client.get(reverse("notifications:badge")).content


def test_nobody_is_notified_about_a_group_they_cannot_see(user, private_group):
    outsider = make_user("nadia.roux@hopital.example", "Nadia Roux", language="en")
    target = services.Target(type="post", id=1, url="/posts/1/", group_id=private_group.id)
    assert services.notify([outsider], Kind.ANNOUNCEMENT, target, actor=user) == []
    assert page(outsider) == ([], False)


# --- Anonymous visitors ------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "name", "args"), [
    ("get", "list", []), ("get", "badge", []), ("get", "open", [1]),
    ("post", "mark_read", []), ("post", "mark_all_read", []),
])
def test_anonymous_visitors_are_sent_to_the_login_page(method, name, args, anonymous_client,
                                                       mine):
    response = getattr(anonymous_client, method)(reverse(f"notifications:{name}", args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert Notification.objects.filter(read_at__isnull=True).count() == 1
