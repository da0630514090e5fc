import pytest
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_a_nul_character_in_a_query_is_refused_with_400(member_client):
    response = member_client.get(reverse("accounts:directory"), {"q": "a\x00b"})
    assert response.status_code == 400
    assert b"NUL" in response.content


def test_a_nul_character_in_a_form_is_refused_and_nothing_is_stored(member_client, group):
    response = member_client.post(reverse("feed:create"), {"group": group.slug,
                                                           "body": "hello\x00", "kind": "post"})
    assert response.status_code == 400
    assert not group.posts.exists()


def test_the_groups_api_refuses_a_nul_character_instead_of_failing(api_client_for, user):
    assert api_client_for(user).get("/api/v1/groups", {"q": "a\x00b"}).status_code == 400


def test_api_answers_in_the_token_owners_language(api_client_for, user):
    user.language = User.Language.FRENCH
    user.save(update_fields=["language"])
    response = api_client_for(user).post_json("/api/v1/groups", {"name": ""})
    assert response.status_code == 422
    assert "Un groupe" in str(response.json()["detail"])
