import pytest
from django.contrib.auth.models import AnonymousUser

from groups import services as group_services
from notifications import selectors, services
from notifications.models import Notification

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


def notify(person, actor, *, group=None, id=1):
    return services.notify([person], Kind.MENTION, services.Target(
        type="post", id=id, url=f"/posts/{id}/", group_id=group.id if group else None),
        actor=actor)[0]


def ids(notifications):
    return [n.id for n in notifications]


def test_notifications_for_is_newest_first_and_mine_only(user, other_user, staff_user):
    first = notify(other_user, user, id=1)
    second = notify(other_user, user, id=2)
    notify(staff_user, user, id=3)
    assert ids(selectors.notifications_for(other_user)) == [second.id, first.id]


def test_unread_filter_and_count(user, other_user):
    first = notify(other_user, user, id=1)
    second = notify(other_user, user, id=2)
    services.mark_read(user=other_user, ids=[first.id])
    assert ids(selectors.notifications_for(other_user, unread=True)) == [second.id]
    assert selectors.unread_count(other_user) == 1


def test_notifications_of_a_group_i_can_no_longer_see_are_hidden(user, other_user,
                                                                 private_group, group):
    group_services.add_member(actor=user, group=private_group, user=other_user)
    group_services.join_group(user=other_user, group=group)
    hidden_later = notify(other_user, user, group=private_group, id=1)
    public = notify(other_user, user, group=group, id=2)
    no_group = notify(other_user, user, id=3)
    assert selectors.unread_count(other_user) == 4  # and "added you to Cadres de santé"
    group_services.remove_member(actor=user, group=private_group, user=other_user)
    group_services.leave_group(user=other_user, group=group)
    assert set(ids(selectors.notifications_for(other_user))) == {public.id, no_group.id}
    assert selectors.unread_count(other_user) == 2
    assert Notification.objects.filter(id=hidden_later.id).exists()


def test_a_guest_loses_notifications_of_a_group_closed_to_guests(user, guest, shared_group):
    notify(guest, user, group=shared_group)
    assert selectors.unread_count(guest) == 2  # and "added you to Projet MedTech"
    group_services.update_group(actor=user, group=shared_group, allow_guests=False)
    assert selectors.unread_count(guest) == 0


def test_inactive_and_anonymous_users_have_no_notifications(user, other_user):
    notify(other_user, user)
    other_user.is_active = False
    other_user.save(update_fields=["is_active"])
    assert not selectors.notifications_for(other_user).exists()
    assert selectors.unread_count(AnonymousUser()) == 0


def test_page_is_keyset_paged_by_id(user, other_user):
    created = [notify(other_user, user, id=n) for n in range(5)]
    newest_first = [n.id for n in reversed(created)]
    rows, more = selectors.page(other_user, size=2)
    assert (ids(rows), more) == (newest_first[:2], True)
    rows, more = selectors.page(other_user, size=2, before_id=rows[-1].id)
    assert (ids(rows), more) == (newest_first[2:4], True)
    rows, more = selectors.page(other_user, size=2, before_id=rows[-1].id)
    assert (ids(rows), more) == (newest_first[4:], False)


def test_page_of_unread_only(user, other_user):
    first, second = notify(other_user, user, id=1), notify(other_user, user, id=2)
    services.mark_read(user=other_user, ids=[second.id])
    rows, more = selectors.page(other_user, unread=True)
    assert (ids(rows), more) == ([first.id], False)
