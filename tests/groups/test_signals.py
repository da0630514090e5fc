"""The membership hooks groups offers to the apps above it (groups/signals.py): which service
sends which signal, with what, and when it does not."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from groups import services, signals
from groups.models import JoinRequest, Membership

pytestmark = pytest.mark.django_db

Role = Membership.Role


@pytest.fixture
def heard():
    """Every membership signal sent during the test, as (name, arguments)."""
    calls = []
    receivers = {}
    for name in ("member_added", "join_requested", "join_request_decided",
                 "join_request_withdrawn"):
        def receiver(sender, signal, _name=name, **kwargs):
            calls.append((_name, kwargs))
        receivers[name] = receiver
        getattr(signals, name).connect(receiver, dispatch_uid=f"test.{name}")
    yield calls
    for name in receivers:
        getattr(signals, name).disconnect(dispatch_uid=f"test.{name}")


def names(calls):
    return [name for name, _ in calls]


def test_adding_someone_sends_member_added_inside_the_transaction(user, other_user,
                                                                  private_group, heard):
    in_transaction = []
    signals.member_added.connect(
        lambda sender, **kwargs: in_transaction.append(transaction.get_connection().in_atomic_block),
        dispatch_uid="test.atomic", weak=False)
    try:
        services.add_member(actor=user, group=private_group, user=other_user, role=Role.ADMIN)
    finally:
        signals.member_added.disconnect(dispatch_uid="test.atomic")
    [(name, arguments)] = heard
    assert name == "member_added"
    assert arguments == {"group": private_group, "user": other_user, "actor": user,
                         "role": Role.ADMIN}
    assert in_transaction == [True]


def test_inviting_an_existing_account_sends_member_added(user, other_user, group, heard):
    services.invite(actor=user, group=group, email=other_user.email)
    assert names(heard) == ["member_added"]
    assert heard[0][1]["user"] == other_user


def test_joining_by_oneself_or_failing_to_add_sends_nothing(user, other_user, guest, group,
                                                           heard):
    services.join_group(user=other_user, group=group)
    with pytest.raises(ValidationError):
        services.add_member(actor=user, group=group, user=other_user)
    with pytest.raises(ValidationError):
        services.add_member(actor=user, group=group, user=guest)
    with pytest.raises(PermissionDenied):
        services.add_member(actor=other_user, group=group, user=guest)
    assert heard == []


def test_a_seat_taken_up_by_a_new_account_sends_nothing(staff_user, group, heard):
    from tests.conftest import make_user

    services.invite(actor=staff_user, group=group, email="new.person@hopital.example")
    newcomer = make_user("new.person@hopital.example", "New Person")
    assert Membership.objects.filter(user=newcomer, group=group).exists()
    assert heard == []


def test_a_join_request_and_its_answer_are_sent(user, other_user, private_group, heard):
    join_request = services.request_to_join(user=other_user, group=private_group)
    services.decide_join_request(actor=user, join_request=join_request, approve=True)
    assert names(heard) == ["join_requested", "join_request_decided"]
    assert heard[0][1] == {"join_request": join_request}
    decided = heard[1][1]
    assert decided["actor"] == user
    assert decided["join_request"].status == JoinRequest.Status.APPROVED


def test_a_denial_is_sent_with_its_status(user, other_user, private_group, heard):
    join_request = services.request_to_join(user=other_user, group=private_group)
    services.decide_join_request(actor=user, join_request=join_request, approve=False)
    assert heard[-1][1]["join_request"].status == JoinRequest.Status.DENIED


def test_withdrawing_sends_join_request_withdrawn_once(user, other_user, private_group, heard):
    join_request = services.request_to_join(user=other_user, group=private_group)
    services.cancel_join_request(user=other_user, group=private_group)
    services.cancel_join_request(user=other_user, group=private_group)  # nothing left
    assert names(heard) == ["join_requested", "join_request_withdrawn"]
    assert heard[1][1]["join_request"].id == join_request.id
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.CANCELLED
    assert join_request.decided_at is not None


def test_a_refused_request_sends_nothing(user, other_user, group, heard):
    with pytest.raises(ValidationError):
        services.request_to_join(user=other_user, group=group)  # public: join instead
    assert heard == []
