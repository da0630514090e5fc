import pytest
from django.core.management import call_command

from accounts.models import User
from groups.models import Group, JoinRequest, Membership
from groups.selectors import listed_groups, visible_groups

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


def test_the_nurse_sees_public_groups_and_private_ones_only_by_name(seeded):
    nurse = User.objects.get(email="nurse@saint-exemple.example")
    assert (nurse.display_name, nurse.job_title, nurse.department) == (
        "Camille Martin", "Infirmière", "Cardiologie")
    content = set(visible_groups(nurse).values_list("name", flat=True))
    assert {"Tout le personnel", "Cardiologie", "Urgences", "Club course à pied"} <= content
    assert not content & {"Cadres de santé", "Cellule de crise", "Projet IRM MedTech"}
    listed = set(listed_groups(nurse).values_list("name", flat=True))
    assert "Cadres de santé" in listed
    assert "Cellule de crise" not in listed


def test_groups_have_owners_admins_and_the_all_staff_group_belongs_to_the_admin(seeded):
    all_staff = Group.objects.get(name="Tout le personnel")
    assert all_staff.memberships.get(role="owner").user.email == "admin@saint-exemple.example"
    for group in Group.objects.all():
        assert group.memberships.filter(role="owner").count() == 1, group.name
    assert Membership.objects.filter(role="admin").count() >= 6
    assert set(JoinRequest.objects.values_list("group__name", flat=True)) == {"Cadres de santé"}


def test_the_demo_nurse_has_chat_to_read(seeded):
    from chat.selectors import my_conversations

    nurse = User.objects.get(email="nurse@saint-exemple.example")
    rows = {c.kind: c for c in my_conversations(nurse)}
    assert set(rows) == {"channel", "direct"}
    cardio = Group.objects.get(name="Cardiologie").channel
    mine = my_conversations(nurse).get(id=cardio.id)
    assert mine.unread_count == 1 and cardio.messages.filter(thread_root__isnull=False).exists()


def test_the_demo_rota_is_attached_as_a_document_of_its_group(seeded):
    from feed.models import Attachment

    attachment = Attachment.objects.select_related("document__folder").get(
        name="Planning gardes décembre.csv")
    document = attachment.document
    assert document.group.name == "Cardiologie" and document.folder.is_attachments
    assert document.uploaded_by.display_name == "Sophie Dubois"
    assert document.current_version.content_type == "text/csv"


def test_the_demo_it_desk_has_forms_routes_and_months_of_history(seeded):
    from django.utils import timezone

    from desk import selectors
    from desk.models import Desk, Ticket

    it = Desk.objects.get(prefix="IT")
    assert it.group.name == "Informatique"
    assert {f.name for f in it.forms.all()} >= {"Problème de Wi-Fi", "Imprimante"}
    assert it.categories.filter(urgent=True).exists()
    assert it.routes.get(emoji="🩺").target.name == "Biomédical"
    oldest = Ticket.objects.filter(desk=it).order_by("created").first()
    assert timezone.now() - oldest.created > timezone.timedelta(days=60)
    assert Ticket.objects.filter(desk=it, status__in=["resolved", "closed"]).count() >= 100
    nurse = User.objects.get(email="nurse@saint-exemple.example")
    wifi = Ticket.objects.get(desk=it, requester=nurse, form__name="Problème de Wi-Fi")
    assert {a["label"]: a["text"] for a in wifi.answers}["Bâtiment"] == "Bâtiment B"
    agent = User.objects.get(email="h.bernard@saint-exemple.example")
    first = selectors.queue(it, agent).first()
    assert (first.priority, first.assignee_id) == ("urgent", None)
