import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts import services
from accounts.models import ApiToken, Invitation, User

pytestmark = pytest.mark.django_db


def picture(size=(800, 400), fmt="PNG") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return SimpleUploadedFile(f"me.{fmt.lower()}", buffer.getvalue())


def test_create_user_normalises_the_email_and_verifies_it():
    person = services.create_user(email="  Jeanne.Doe@Hopital.Example ", display_name="Jeanne Doe")
    assert person.email == "jeanne.doe@hopital.example"
    assert person.emailaddress_set.get().verified
    assert not person.has_usable_password()


def test_create_user_fails_if_the_email_exists_in_another_case(user):
    with pytest.raises(ValidationError) as error:
        services.create_user(email="CAMILLE.martin@hopital.example", display_name="Twin")
    assert "email" in error.value.message_dict


def test_create_user_fails_without_a_display_name():
    with pytest.raises(ValidationError):
        services.create_user(email="x@hopital.example", display_name="   ")


def test_create_user_refuses_a_guest_organisation_admin():
    with pytest.raises(ValidationError):
        services.create_user(email="x@vendor.example", display_name="X", kind=User.Kind.GUEST,
                             is_staff=True)


def test_update_profile_rejects_an_unknown_time_zone(user):
    with pytest.raises(ValidationError) as error:
        services.update_profile(user=user, time_zone="Mars/Olympus")
    assert "time_zone" in error.value.message_dict
    user.refresh_from_db()
    assert user.time_zone == "Europe/Paris"


def test_update_profile_saves_the_fields(user):
    services.update_profile(user=user, job_title="Cadre de santé", phone="+33 1 23 45 67 89")
    user.refresh_from_db()
    assert (user.job_title, user.phone) == ("Cadre de santé", "+33 1 23 45 67 89")


def test_set_avatar_stores_a_square_256_pixel_jpeg(user):
    services.set_avatar(user=user, upload=picture())
    with Image.open(user.avatar.path) as stored:
        assert stored.size == (256, 256)
        assert stored.format == "JPEG"


def test_set_avatar_replaces_and_deletes_the_previous_file(user):
    services.set_avatar(user=user, upload=picture())
    first = user.avatar.path
    services.set_avatar(user=user, upload=picture(fmt="JPEG"))
    assert user.avatar.path != first
    assert not user.avatar.storage.exists(first)


def test_set_avatar_rejects_a_file_that_is_not_a_picture(user):
    with pytest.raises(ValidationError, match="not a picture"):
        services.set_avatar(user=user, upload=SimpleUploadedFile("x.png", b"<svg></svg>"))
    assert not user.avatar


def test_set_avatar_rejects_a_file_over_the_limit(user, settings):
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "avatar_bytes": 1024 * 1024}
    big = SimpleUploadedFile("big.png", b"0" * (1024 * 1024 + 1))
    with pytest.raises(ValidationError, match="1 MB"):
        services.set_avatar(user=user, upload=big)


def test_api_token_is_stored_hashed_and_authenticates(user):
    token, secret = services.create_api_token(user=user, name="bed sync")
    assert secret.startswith(f"rls_{token.prefix}_")
    assert secret.split("_", 2)[2] not in token.secret_hash
    assert services.authenticate_api_token(secret) == user


@pytest.mark.parametrize("raw", ["", "nonsense", "rls_abc", "rls_deadbeef_wrong-secret"])
def test_malformed_or_wrong_tokens_do_not_authenticate(user, raw):
    services.create_api_token(user=user, name="bot")
    assert services.authenticate_api_token(raw) is None


def test_revoked_token_no_longer_authenticates(user):
    token, secret = services.create_api_token(user=user, name="bot")
    services.revoke_api_token(user=user, token_id=token.pk)
    assert services.authenticate_api_token(secret) is None


def test_token_of_an_inactive_user_does_not_authenticate(user):
    _token, secret = services.create_api_token(user=user, name="bot")
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert services.authenticate_api_token(secret) is None


def test_someone_else_cannot_revoke_my_token(user, other_user):
    token, _secret = services.create_api_token(user=user, name="bot")
    with pytest.raises(ApiToken.DoesNotExist):
        services.revoke_api_token(user=other_user, token_id=token.pk)


def test_last_used_time_is_written_at_most_once_a_minute(user):
    token, secret = services.create_api_token(user=user, name="bot")
    services.authenticate_api_token(secret)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    services.authenticate_api_token(secret)
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    services.authenticate_api_token(secret)
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(minutes=2)


def test_token_needs_a_name(user):
    with pytest.raises(ValidationError):
        services.create_api_token(user=user, name="  ")


def test_invitation_sends_an_email_with_a_working_link(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.create_invitation(inviter=user, email="New@Hopital.Example")
    assert invitation.email == "new@hopital.example"
    assert mail.outbox[0].to == ["new@hopital.example"]
    link = next(w for w in mail.outbox[0].body.split() if "/invitation/" in w)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert services.find_usable_invitation(token) == invitation


def test_expired_or_used_invitations_are_not_usable(user):
    invitation = services.create_invitation(inviter=user, email="late@hopital.example")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    invitation.refresh_from_db()
    assert not invitation.is_usable()
    invitation.expires_at = timezone.now() + timedelta(days=1)
    invitation.accepted_at = timezone.now()
    assert not invitation.is_usable()


def test_invitation_for_an_existing_account_is_refused(user, other_user):
    with pytest.raises(ValidationError):
        services.create_invitation(inviter=user, email=other_user.email)


def test_invitation_sent_without_a_request_links_to_the_sites_domain(
        user, settings, django_capture_on_commit_callbacks):
    from django.contrib.sites.models import Site

    Site.objects.filter(pk=settings.SITE_ID).update(domain="relais.chu-exemple.fr")
    Site.objects.clear_cache()
    settings.HTTPS = True
    with django_capture_on_commit_callbacks(execute=True):
        services.create_invitation(inviter=user, email="far@hopital.example")
    assert "https://relais.chu-exemple.fr/invitation/" in mail.outbox[0].body
