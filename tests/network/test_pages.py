"""The application frame: home, section pages, language switch, user preferences."""

import pytest
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_home_redirects_anonymous_visitors_to_login(anonymous_client):
    response = anonymous_client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_home_lists_the_groups_the_user_belongs_to(member_client, group, private_group):
    response = member_client.get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Cardiologie" in body and "Cadres de santé" in body


def test_home_does_not_list_groups_the_user_is_not_in(other_client, private_group):
    body = other_client.get(reverse("home")).content.decode()
    assert "Cadres de santé" not in body
    assert "You are not in any group yet." in body


@pytest.mark.parametrize("name", ["documents", "search", "desk:index"])
def test_every_navigation_section_renders_for_members(member_client, name):
    response = member_client.get(reverse(name))
    assert response.status_code == 200
    assert b'aria-current="page"' in response.content


def test_navigation_sections_require_login(anonymous_client):
    assert anonymous_client.get(reverse("documents")).status_code == 302


def test_pages_render_in_the_users_language(member_client, user):
    user.language = User.Language.FRENCH
    user.save(update_fields=["language"])
    body = member_client.get(reverse("home")).content.decode()
    assert '<html lang="fr"' in body
    assert "Vos groupes" in body


def test_language_switch_saves_the_choice_in_the_profile(member_client, user):
    response = member_client.post(reverse("set_language"), {"language": "fr", "next": "/groups/"})
    assert response.status_code == 302
    assert response["Location"] == "/groups/"
    user.refresh_from_db()
    assert user.language == "fr"


def test_language_switch_ignores_unknown_languages(member_client, user):
    member_client.post(reverse("set_language"), {"language": "xx"})
    user.refresh_from_db()
    assert user.language == "en"


def test_language_switch_never_redirects_to_another_site(anonymous_client):
    response = anonymous_client.post(reverse("set_language"),
                                     {"language": "fr", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert response.cookies["django_language"].value == "fr"


def test_language_switch_refuses_get(anonymous_client):
    assert anonymous_client.get(reverse("set_language")).status_code == 405


def test_times_are_shown_in_the_users_time_zone(member_client, user):
    user.time_zone = "America/Montreal"
    user.save(update_fields=["time_zone"])
    response = member_client.get(reverse("home"))
    assert response.context["TIME_ZONE"] == "America/Montreal"


def test_healthz_answers_without_login(anonymous_client):
    response = anonymous_client.get(reverse("healthz"))
    assert response.json() == {"status": "ok"}


def test_pages_carry_a_strict_content_security_policy(member_client):
    policy = member_client.get(reverse("home"))["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy


def test_initials_avatar_uses_the_first_letters_of_the_name(user):
    assert user.initials == "CM"
    assert 0 <= user.avatar_hue < 360


def test_favicon_redirects_to_the_static_icon(anonymous_client):
    response = anonymous_client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("relais/favicon.svg")
