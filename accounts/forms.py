import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class SignupDetailsForm(forms.Form):
    """Extra fields on allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS)."""

    display_name = forms.CharField(label=_("Full name"), max_length=150,
                                   widget=forms.TextInput(attrs={"autocomplete": "name"}))
    job_title = forms.CharField(label=_("Job title"), max_length=150, required=False)
    department = forms.CharField(label=_("Department"), max_length=150, required=False)

    def signup(self, request, user):
        """Fields are applied by RelaisAccountAdapter.save_user."""


def time_zone_choices():
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith("Etc"))
    return [(zone, zone.replace("_", " ")) for zone in zones]


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)

    class Meta:
        model = User
        fields = ["display_name", "job_title", "department", "phone", "language", "time_zone"]
        widgets = {
            "display_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        }


class AvatarForm(forms.Form):
    avatar = forms.ImageField(label=_("New picture"))


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100,
                           help_text=_("Say what will use it, for example “bed-management sync”."))
