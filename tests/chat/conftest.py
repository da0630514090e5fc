"""Chat fixtures shared by its test modules (built through the real services)."""

import pytest

from chat import services
from groups import services as group_services


@pytest.fixture
def channel(group):
    """The public ``group``'s channel."""
    return group.channel


@pytest.fixture
def member(other_user, group):
    """``other_user``, a plain member of the public ``group``."""
    group_services.join_group(user=other_user, group=group)
    return other_user


@pytest.fixture
def direct(user, other_user):
    """The direct conversation of ``user`` and ``other_user``."""
    return services.start_direct(user=user, user_ids=[other_user.id])[0]
