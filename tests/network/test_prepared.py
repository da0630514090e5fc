"""network.prepared: a read compiled to SQL once, then run with each call's values."""

import pytest
from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.test.utils import CaptureQueriesContext

from groups.models import Group, Membership
from groups.services import join_group
from network.prepared import PreparedRead

pytestmark = pytest.mark.django_db


def _groups(shape, *, group_id, user_id):
    """A group with its creator, whether ``user_id`` belongs to it and its member count; with
    shape "archived-only", only when archived."""
    groups = (Group.objects.select_related("created_by")
              .annotate(_belongs=Exists(Membership.objects.filter(
                  user_id=user_id, group_id=OuterRef("pk"))),
                  _members=Count("memberships"))
              .filter(id=group_id).order_by())
    if shape == "archived-only":
        groups = groups.filter(archived_at__isnull=False)
    return groups


def test_a_prepared_read_builds_what_the_queryset_builds(user, other_user, group):
    read = PreparedRead(_groups)
    for person, belongs in ((user, True), (other_user, False)):
        found = read.first("all", group_id=group.id, user_id=person.id)
        expected = _groups("all", group_id=group.id, user_id=person.id).get()
        assert [getattr(found, f.attname) for f in Group._meta.concrete_fields] == [
            getattr(expected, f.attname) for f in Group._meta.concrete_fields]
        assert found.created == group.created and found.created.tzinfo is not None
        assert (found._belongs, found._members) == (belongs, 1)
        assert not found._state.adding and found._state.db == "default"
        # The related object is loaded with it, as select_related does.
        with CaptureQueriesContext(connection) as queries:
            assert found.created_by.email == user.email
        assert not queries.captured_queries


def test_each_call_reads_its_own_values_and_a_missing_row_is_none(user, other_user, group):
    read = PreparedRead(_groups)
    assert read.first("all", group_id=group.id, user_id=other_user.id)._belongs is False
    join_group(user=other_user, group=group)
    found = read.first("all", group_id=group.id, user_id=other_user.id)
    assert (found._belongs, found._members) == (True, 2)
    assert read.first("all", group_id=group.id + 1000, user_id=user.id) is None


def test_the_queryset_is_built_once_per_shape(user, group):
    built = []

    def build(shape, **values):
        built.append(shape)
        return _groups(shape, **values)

    read = PreparedRead(build)
    for _ in range(3):
        assert read.first("all", group_id=group.id, user_id=user.id).id == group.id
    # Another shape is another SQL: the archived filter is not lost to the first one's.
    assert read.first("archived-only", group_id=group.id, user_id=user.id) is None
    assert built == ["all", "archived-only"]


def test_a_value_the_sql_does_not_carry_is_refused():
    def build(shape, *, group_id):
        return Group.objects.filter(id__gt=0)

    with pytest.raises(ValueError, match="every value"):
        PreparedRead(build).first("all", group_id=1)


def test_a_value_out_of_the_databases_range_finds_nothing(user, group):
    """As the ORM does: a client's 2**63 is no id, not a server error."""
    read = PreparedRead(_groups)
    for wrong in (2**63, -(2**63) - 1, "7", 7.0, True):
        assert read.first("all", group_id=wrong, user_id=user.id) is None
    assert read.first("all", group_id=group.id, user_id=user.id).id == group.id
