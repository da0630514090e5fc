"""Sign-up policy, invitations, login limits and mandatory MFA."""

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from accounts import services
from accounts.models import User
from groups import services as group_services

pytestmark = pytest.mark.django_db

SIGNUP = {"display_name": "Nina Nouvelle", "password1": "a-long-Secret-2026",
          "password2": "a-long-Secret-2026"}


def test_sign_up_is_closed_without_an_invitation(anonymous_client):
    response = anonymous_client.post(reverse("account_signup"), {**SIGNUP, "email": "n@x.example"})
    assert not User.objects.filter(email="n@x.example").exists()
    assert response.status_code == 200
    assert "account/signup_closed.html" in [t.name for t in response.templates]


def test_login_page_does_not_offer_sign_up_by_invitation_only(anonymous_client):
    body = anonymous_client.get(reverse("account_login")).content.decode()
    assert reverse("account_signup") not in body


def test_invitation_link_lets_the_invitee_create_an_account_that_joins_their_groups(
        anonymous_client, user, staff_user, group, django_capture_on_commit_callbacks):
    all_staff = group_services.create_group(creator=staff_user, name="Tout le personnel",
                                            is_all_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        group_services.invite(actor=staff_user, group=group, email="nina@hopital.example")
    link = next(w for w in mail.outbox[0].body.split() if "/invitation/" in w)
    response = anonymous_client.get(link)
    assert response.status_code == 302 and "email=nina%40hopital.example" in response["Location"]
    response = anonymous_client.post(reverse("account_signup"),
                                     {**SIGNUP, "email": "nina@hopital.example"})
    assert response.status_code == 302
    nina = User.objects.get(email="nina@hopital.example")
    assert nina.display_name == "Nina Nouvelle" and nina.kind == User.Kind.MEMBER
    assert nina.emailaddress_set.get().verified
    assert set(nina.memberships.values_list("group__name", flat=True)) == {
        "Cardiologie", all_staff.name}
    assert len(mail.outbox) == 1  # no verification email: the invitation proved the address


def test_guest_invitation_creates_a_guest_who_does_not_join_all_staff(
        anonymous_client, user, staff_user, shared_group, django_capture_on_commit_callbacks):
    group_services.create_group(creator=staff_user, name="Tout le personnel", is_all_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        group_services.invite(actor=user, group=shared_group, email="eve@vendor.example",
                              as_guest=True)
    link = next(w for w in mail.outbox[0].body.split() if "/invitation/" in w)
    anonymous_client.get(link)
    anonymous_client.post(reverse("account_signup"), {**SIGNUP, "email": "eve@vendor.example"})
    eve = User.objects.get(email="eve@vendor.example")
    assert eve.kind == User.Kind.GUEST
    assert list(eve.memberships.values_list("group__name", flat=True)) == ["Projet MedTech"]


def test_invitation_only_accepts_the_invited_address(anonymous_client, user):
    from accounts.services import _hash

    invitation = services.create_invitation(inviter=user, email="right@hopital.example")
    invitation.token_hash = _hash("known-token")
    invitation.save()
    anonymous_client.get(reverse("accounts:accept_invitation", args=["known-token"]))
    response = anonymous_client.post(reverse("account_signup"),
                                     {**SIGNUP, "email": "wrong@hopital.example"})
    assert response.status_code == 200
    assert "right@hopital.example" in response.content.decode()
    assert not User.objects.filter(email="wrong@hopital.example").exists()


def test_invalid_invitation_link_shows_a_friendly_404(anonymous_client):
    response = anonymous_client.get(reverse("accounts:accept_invitation", args=["nope"]))
    assert response.status_code == 404
    assert "no longer valid" in response.content.decode()


def test_domains_mode_accepts_the_organisation_domain(anonymous_client, settings):
    settings.RELAIS_SIGNUP_MODE = "domains"
    settings.RELAIS_SIGNUP_DOMAINS = ["hopital.example"]
    response = anonymous_client.post(reverse("account_signup"),
                                     {**SIGNUP, "email": "nina@hopital.example"})
    assert response.status_code == 302
    assert User.objects.filter(email="nina@hopital.example").exists()
    assert mail.outbox[-1].to == ["nina@hopital.example"]


def test_domains_mode_refuses_other_domains_with_a_form_error(anonymous_client, settings):
    settings.RELAIS_SIGNUP_MODE = "domains"
    settings.RELAIS_SIGNUP_DOMAINS = ["hopital.example"]
    response = anonymous_client.post(reverse("account_signup"),
                                     {**SIGNUP, "email": "nina@gmail.example"})
    assert response.status_code == 200
    assert "hopital.example" in str(response.context["form"].errors["email"])
    assert not User.objects.filter(email="nina@gmail.example").exists()


def test_open_sign_up_sends_a_verification_email(anonymous_client, settings):
    settings.RELAIS_SIGNUP_MODE = "open"
    anonymous_client.post(reverse("account_signup"), {**SIGNUP, "email": "o@anywhere.example"})
    nina = User.objects.get(email="o@anywhere.example")
    assert not nina.emailaddress_set.get().verified
    assert mail.outbox and mail.outbox[0].to == ["o@anywhere.example"]


def test_password_reset_sends_an_email(anonymous_client, user):
    anonymous_client.post(reverse("account_reset_password"), {"email": user.email})
    assert mail.outbox[0].to == [user.email]


def test_login_with_email_and_password(anonymous_client, user):
    response = anonymous_client.post(reverse("account_login"),
                                     {"login": "Camille.Martin@hopital.example",
                                      "password": "correct-horse-42"})
    assert response.status_code == 302
    assert anonymous_client.get(reverse("home")).status_code == 200


def test_the_signed_in_message_is_in_the_persons_language_not_the_browsers(anonymous_client,
                                                                          user):
    user.language = "fr"
    user.save(update_fields=["language"])
    response = anonymous_client.post(reverse("account_login"),
                                     {"login": user.email, "password": "correct-horse-42"},
                                     headers={"accept-language": "en"}, follow=True)
    flashes = [str(message) for message in response.context["messages"]]
    assert flashes == ["Connexion avec Camille Martin réussie."]


def test_failed_logins_are_rate_limited(anonymous_client, user, settings):
    cache.clear()
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/5m/key"}
    for _ in range(3):
        anonymous_client.post(reverse("account_login"), {"login": user.email, "password": "bad"})
    response = anonymous_client.post(reverse("account_login"),
                                     {"login": user.email, "password": "correct-horse-42"})
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in anonymous_client.session
    cache.clear()


@pytest.mark.parametrize(("policy", "staff_redirected", "member_redirected"),
                         [("none", False, False), ("admins", True, False), ("all", True, True)])
def test_mandatory_mfa_sends_users_without_a_second_factor_to_enrol(
        settings, staff_client, member_client, policy, staff_redirected, member_redirected):
    settings.RELAIS_MFA_REQUIRED = policy
    for client, expected in ((staff_client, staff_redirected), (member_client, member_redirected)):
        response = client.get(reverse("home"))
        assert (response.status_code == 302
                and response["Location"] == reverse("mfa_activate_totp")) == expected


def test_mandatory_mfa_answers_api_session_requests_with_403(settings, member_client):
    settings.RELAIS_MFA_REQUIRED = "all"
    response = member_client.get("/api/v1/me")
    assert response.status_code == 403
    assert "two-factor" in response.json()["detail"]


def test_mandatory_mfa_leaves_the_service_worker_and_health_check_alone(settings,
                                                                       member_client):
    settings.RELAIS_MFA_REQUIRED = "all"
    assert member_client.get(reverse("service_worker")).status_code == 200
    assert member_client.get(reverse("healthz")).status_code == 200
    assert member_client.get(reverse("home")).status_code == 302


def test_users_with_an_authenticator_pass_the_mfa_requirement(settings, member_client, user):
    settings.RELAIS_MFA_REQUIRED = "all"
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert member_client.get(reverse("home")).status_code == 200




def test_a_recovery_code_signs_in_once_when_the_phone_is_lost(anonymous_client, user):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())
    code = RecoveryCodes.activate(user).get_unused_codes()[0]
    credentials = {"login": user.email, "password": "correct-horse-42"}

    response = anonymous_client.post(reverse("account_login"), credentials)
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in anonymous_client.session
    anonymous_client.post(reverse("mfa_authenticate"), {"code": code})
    assert anonymous_client.session["_auth_user_id"] == str(user.pk)

    anonymous_client.post(reverse("account_logout"))
    anonymous_client.post(reverse("account_login"), credentials)
    response = anonymous_client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 200  # the form again, with an error: a code works once
    assert "_auth_user_id" not in anonymous_client.session
