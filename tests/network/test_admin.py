"""Organisation admins manage people and groups in the admin site; others cannot enter it."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, staff_user):
    staff_user.is_superuser = True
    staff_user.save(update_fields=["is_superuser"])
    client.force_login(staff_user)
    return client


@pytest.mark.parametrize("name", ["admin:accounts_user_changelist", "admin:groups_group_changelist",
                                  "admin:accounts_apitoken_changelist",
                                  "admin:network_event_changelist"])
def test_admin_lists_render_for_superusers(superuser_client, group, name):
    assert superuser_client.get(reverse(name)).status_code == 200


def test_admin_group_page_shows_members(superuser_client, group):
    response = superuser_client.get(reverse("admin:groups_group_change", args=[group.pk]))
    assert response.status_code == 200
    assert b"Camille Martin" in response.content


def test_members_cannot_enter_the_admin(member_client):
    response = member_client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_event_log_cannot_be_edited_in_the_admin(superuser_client):
    assert superuser_client.get(reverse("admin:network_event_add")).status_code == 403
