import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts import services
from accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 300), (0, 120, 100)).save(buffer, format="PNG")
    return SimpleUploadedFile("me.png", buffer.getvalue(), content_type="image/png")


def test_directory_lists_colleagues(member_client, other_user):
    body = member_client.get(reverse("accounts:directory")).content.decode()
    assert "Hugo Bernard" in body and "Camille Martin" in body


def test_directory_searches_by_department_and_title(member_client, other_user):
    response = member_client.get(reverse("accounts:directory"), {"q": "informatique"})
    names = [p.display_name for p in response.context["page"].object_list]
    assert names == ["Hugo Bernard"]


def test_directory_filters_by_department(member_client, other_user):
    response = member_client.get(reverse("accounts:directory"), {"department": "Cardiologie"})
    assert list(response.context["page"].object_list.values_list("display_name", flat=True)) == [
        "Camille Martin"]


def test_directory_answers_htmx_with_the_results_only(member_client, other_user):
    response = member_client.get(reverse("accounts:directory"), {"q": "hugo"},
                                 HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content
    assert b"Hugo Bernard" in response.content


def test_directory_says_when_nobody_matches(member_client):
    body = member_client.get(reverse("accounts:directory"), {"q": "zzzz"}).content.decode()
    assert "Nobody matches" in body


def test_guest_directory_shows_only_people_sharing_a_group(guest_client, shared_group,
                                                           other_user):
    body = guest_client.get(reverse("accounts:directory")).content.decode()
    assert "Camille Martin" in body
    assert "Hugo Bernard" not in body


def test_directory_requires_login(anonymous_client):
    assert anonymous_client.get(reverse("accounts:directory")).status_code == 302


def test_profile_shows_a_colleague(member_client, other_user):
    response = member_client.get(reverse("accounts:profile", args=[other_user.pk]))
    assert response.status_code == 200
    assert b"hugo.bernard@hopital.example" in response.content


def test_guest_gets_404_for_a_profile_outside_their_groups(guest_client, shared_group, other_user):
    assert guest_client.get(reverse("accounts:profile", args=[other_user.pk])).status_code == 404


def test_profile_of_an_inactive_account_is_404(member_client, inactive_user):
    assert member_client.get(reverse("accounts:profile",
                                     args=[inactive_user.pk])).status_code == 404


def test_edit_profile_saves_changes(member_client, user):
    response = member_client.post(reverse("accounts:edit_profile"), {
        "display_name": "Camille Martin-Durand", "job_title": "IDE", "department": "Cardiologie",
        "phone": "", "language": "fr", "time_zone": "Europe/Paris"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.language) == ("Camille Martin-Durand", "fr")


def test_edit_profile_shows_errors_for_bad_input(member_client, user):
    response = member_client.post(reverse("accounts:edit_profile"), {
        "display_name": "", "language": "xx", "time_zone": "Nowhere/Land"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"display_name", "language", "time_zone"}
    user.refresh_from_db()
    assert user.display_name == "Camille Martin"


def test_avatar_upload_then_served_only_to_people_who_can_see_the_owner(
        member_client, guest_client, user, shared_group, other_user, other_client):
    assert member_client.post(reverse("accounts:avatar"), {"avatar": png()}).status_code == 302
    url = reverse("accounts:avatar_image", args=[user.pk])
    response = other_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert guest_client.get(url).status_code == 200  # shares a group with the owner
    services.set_avatar(user=other_user, upload=png())
    assert guest_client.get(reverse("accounts:avatar_image", args=[other_user.pk])).status_code == 404


def test_avatar_upload_of_a_non_picture_shows_an_error(member_client, user):
    bad = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    response = member_client.post(reverse("accounts:avatar"), {"avatar": bad})
    assert response.status_code == 400
    assert "not a picture" in response.content.decode()
    user.refresh_from_db()
    assert not user.avatar


def test_avatar_can_be_removed(member_client, user):
    services.set_avatar(user=user, upload=png())
    member_client.post(reverse("accounts:avatar"), {"remove": "1"})
    user.refresh_from_db()
    assert not user.avatar


def test_token_secret_is_shown_once_and_listed_by_name(member_client, user):
    response = member_client.post(reverse("accounts:tokens"), {"name": "Bed sync"})
    secret = response.context["secret"]
    assert secret.startswith("rls_") and secret in response.content.decode()
    again = member_client.get(reverse("accounts:tokens")).content.decode()
    assert "Bed sync" in again and secret not in again


def test_token_form_requires_a_name(member_client):
    response = member_client.post(reverse("accounts:tokens"), {"name": ""})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_revoking_someone_elses_token_is_404(member_client, other_user):
    token, _secret = services.create_api_token(user=other_user, name="theirs")
    response = member_client.post(reverse("accounts:revoke_token", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_my_token(member_client, user):
    token, _secret = services.create_api_token(user=user, name="mine")
    member_client.post(reverse("accounts:revoke_token", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_revoke_refuses_get(member_client, user):
    token, _secret = services.create_api_token(user=user, name="mine")
    assert member_client.get(reverse("accounts:revoke_token", args=[token.pk])).status_code == 405
