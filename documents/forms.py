"""Forms of the library pages. Validation itself lives in the services."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class DocumentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    description = forms.CharField(
        label=_("Description"), required=False,
        help_text=_("What it is for, who it concerns, when it applies."),
        widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = settings.RELAIS_LIMITS["document_description_chars"]
        self.fields["description"].widget.attrs["maxlength"] = limit


class MoveForm(forms.Form):
    folder = forms.ChoiceField(label=_("Move to"), required=False)

    def __init__(self, *args, folders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["folder"].choices = [("", _("The library's root"))] + [
            (str(folder.id), path) for folder, path in folders]
