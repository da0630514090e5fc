import pytest
from django.core.management import call_command

from accounts.models import User
from groups.models import Group, JoinRequest
from groups.selectors import visible_groups

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(capsys):
    call_command("seed_demo")
    return capsys.readouterr().out


def test_seed_builds_a_believable_hospital(seeded):
    assert User.objects.filter(kind="member").count() >= 40
    assert set(Group.objects.values_list("visibility", flat=True)) == {"public", "private",
                                                                       "secret"}
    all_staff = Group.objects.get(is_all_staff=True)
    assert all_staff.memberships.count() == User.objects.filter(kind="member").count()
    assert JoinRequest.objects.filter(status="pending").count() == 2
    departments = set(User.objects.values_list("department", flat=True))
    assert {"Soins infirmiers", "Cardiologie", "Urgences", "Informatique", "Biomédical",
            "Ressources humaines", "Qualité", "Communication"} <= departments


def test_the_guest_sees_only_the_shared_group(seeded):
    guest = User.objects.get(email="guest@medtech-partner.example")
    assert guest.is_guest
    assert list(visible_groups(guest).values_list("name", flat=True)) == ["Projet IRM MedTech"]


def test_demo_logins_work_and_are_printed(seeded, client):
    for email in ("admin@saint-exemple.example", "nurse@saint-exemple.example",
                  "guest@medtech-partner.example"):
        assert email in seeded
        assert client.login(email=email, password="relais-demo-2026")
    assert User.objects.get(email="admin@saint-exemple.example").is_staff


def test_seed_is_idempotent(seeded, capsys):
    counts = (User.objects.count(), Group.objects.count(), JoinRequest.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Group.objects.count(), JoinRequest.objects.count()) == counts
    assert "admin@saint-exemple.example" in capsys.readouterr().out
