"""The viewer's groups and conversations, named in the search's SQL as lists (the plan the
benchmark measures) or, past INLINE_IDS_MAX, left as subqueries: both find exactly the same
rows, for every way of seeing one (a group's content, a direct conversation, a row with both a
group and an audience) and from both sides."""

import pytest

from search import selectors, services
from tests.search.conftest import found, put

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["lists", "subqueries"])
def scope(request, monkeypatch):
    if request.param == "subqueries":
        monkeypatch.setattr(selectors, "INLINE_IDS_MAX", 0)
    return request.param


@pytest.fixture
def rows(user, other_user, group, private_group, secret_group):
    services.set_audience("conversation:1", [user.pk, other_user.pk])
    services.set_audience("conversation:2", [other_user.pk])
    return {
        "public": put(group=group, body="Astreinte de cardiologie"),
        "private": put(group=private_group, body="Astreinte des cadres"),
        "secret": put(group=secret_group, body="Astreinte de crise"),
        "direct": put("message", body="Astreinte de ce soir ?", audience="conversation:1"),
        "hugo only": put("message", body="Astreinte entre nous", audience="conversation:2"),
        "group and audience": put("message", group=private_group, body="Astreinte du fil",
                                  audience="conversation:1"),
        "group, other audience": put("message", group=private_group,
                                     body="Astreinte du fil privé", audience="conversation:2"),
        "nowhere": put("message", body="Astreinte sans lecteur"),
    }


def names(rows, user) -> set[str]:
    by_id = {pk: name for name, pk in rows.items()}
    return {by_id[pk] for _kind, pk in found(user, "astreinte") if pk in by_id}


def test_a_member_finds_their_groups_and_conversations(scope, user, rows):
    assert names(rows, user) == {"public", "private", "secret", "direct", "group and audience"}


def test_a_staff_member_outside_the_groups_finds_only_the_public_group_and_their_talk(
        scope, other_user, rows):
    assert names(rows, other_user) == {"public", "direct", "hugo only"}


def test_a_removed_member_stops_finding_the_group_at_once(scope, user, rows, private_group):
    private_group.memberships.filter(user=user).delete()
    assert names(rows, user) == {"public", "secret", "direct"}


def test_counts_and_facets_follow_the_same_rule(scope, user, rows, private_group):
    assert sum(selectors.summary(user, "astreinte").counts.values()) == 5
    groups = {ref.id: total for ref, total in selectors.summary(user, "astreinte").facets.groups}
    assert groups[private_group.pk] == 2
