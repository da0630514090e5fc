import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_create_user_provisions_a_staff_admin(capsys):
    call_command("create_user", "Boss@Hopital.Example", "--name", "Big Boss", "--password",
                 "long-enough-2026", "--staff")
    boss = User.objects.get(email="boss@hopital.example")
    assert boss.is_staff and boss.is_superuser and boss.check_password("long-enough-2026")
    assert "Created boss@hopital.example" in capsys.readouterr().out


def test_create_user_provisions_a_guest():
    call_command("create_user", "v@vendor.example", "--name", "Vendor", "--guest")
    assert User.objects.get(email="v@vendor.example").is_guest


def test_create_user_fails_clearly_on_a_duplicate(user):
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_user", user.email, "--name", "Again")


def test_create_api_token_prints_a_working_token_on_its_last_line(user, capsys):
    call_command("create_api_token", user.email, "--name", "sync")
    token = capsys.readouterr().out.strip().splitlines()[-1]
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["email"] == user.email


def test_create_api_token_fails_for_an_unknown_email(db):
    with pytest.raises(CommandError, match="No account"):
        call_command("create_api_token", "nobody@x.example")
