"""allauth adapter: who may sign up, and what a new account starts with."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts import services
from accounts.models import Invitation

INVITATION_SESSION_KEY = "relais_invitation_id"


def invitation_in_session(request) -> Invitation | None:
    invitation_id = request.session.get(INVITATION_SESSION_KEY) if request else None
    if invitation_id is None:
        return None
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    return invitation if invitation is not None and invitation.is_usable() else None


class RelaisAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        if settings.RELAIS_SIGNUP_MODE in ("open", "domains"):
            return True
        return invitation_in_session(request) is not None

    def clean_email(self, email):
        email = super().clean_email(email).lower()
        invitation = invitation_in_session(self.request)
        if invitation is not None:
            if email != invitation.email.lower():
                raise ValidationError(_("Use the address the invitation was sent to: %(email)s.")
                                      % {"email": invitation.email})
            return email
        if settings.RELAIS_SIGNUP_MODE == "domains":
            domain = email.rsplit("@", 1)[-1]
            if domain not in settings.RELAIS_SIGNUP_DOMAINS:
                raise ValidationError(_("Sign-up is open to addresses at %(domains)s only.") % {
                    "domains": ", ".join(settings.RELAIS_SIGNUP_DOMAINS)})
        return email

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        data = form.cleaned_data
        user.display_name = data.get("display_name", "").strip() or user.email.split("@")[0]
        user.job_title = data.get("job_title", "")
        user.department = data.get("department", "")
        user.language = getattr(request, "LANGUAGE_CODE", user.language)[:2]
        invitation = invitation_in_session(request)
        if invitation is not None:
            user.kind = invitation.kind
        if commit:
            user.save()
            services.activate_user(user, invitation=invitation)
            request.session.pop(INVITATION_SESSION_KEY, None)
        return user
