"""The composer and the edit form. Validation itself lives in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from feed.models import Post
from feed.services import POLL_MAX_OPTIONS
from network.form_fields import MultipleFileField

URGENT_LABEL = _("Urgent: reach people even outside their working hours")
URGENT_HELP = _("Only for what must reach people now: email and push go out at once, even to "
                "those who are off duty.")


class ComposerForm(forms.Form):
    group = forms.ChoiceField(label=_("Post in"))
    body = forms.CharField(label=_("Message"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))
    kind = forms.ChoiceField(label=_("Type"), choices=Post.Kind.choices, initial=Post.Kind.POST,
                             widget=forms.RadioSelect)
    requires_ack = forms.BooleanField(label=_("Ask readers to confirm they have read and "
                                              "understood it"), required=False)
    ack_deadline = forms.DateTimeField(
        label=_("Confirm by"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    urgent = forms.BooleanField(label=URGENT_LABEL, help_text=URGENT_HELP, required=False)
    poll_question = forms.CharField(label=_("Question"), required=False, max_length=300)
    poll_multiple = forms.BooleanField(label=_("Allow several answers"), required=False)
    poll_anonymous = forms.BooleanField(label=_("Anonymous votes"), required=False)
    poll_closes_at = forms.DateTimeField(
        label=_("Closes at"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    attachments = MultipleFileField(label=_("Attach files"), required=False)

    def __init__(self, *args, groups=(), can_announce=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [(g.slug, g.name) for g in groups]
        self.can_announce = can_announce
        if not can_announce:
            self.fields["kind"].choices = [c for c in Post.Kind.choices
                                           if c[0] != Post.Kind.ANNOUNCEMENT]

    def poll_options(self) -> list[str]:
        return [self.data.get(f"poll_option_{i}", "") for i in range(POLL_MAX_OPTIONS)]

    def poll_option_slots(self) -> list[dict]:
        """The ten option inputs, refilled after an error so nothing typed is lost."""
        return [{"index": i, "number": i + 1, "value": value}
                for i, value in enumerate(self.poll_options())]


class EditPostForm(forms.Form):
    body = forms.CharField(label=_("Message"), required=False,
                           widget=forms.Textarea(attrs={"rows": 8}))
    kind = forms.ChoiceField(label=_("Type"), required=False, widget=forms.RadioSelect,
                             choices=[(Post.Kind.POST, _("Post")),
                                      (Post.Kind.ANNOUNCEMENT, _("Announcement"))])
    requires_ack = forms.BooleanField(label=_("Ask readers to confirm they have read and "
                                              "understood it"), required=False)
    ack_deadline = forms.DateTimeField(
        label=_("Confirm by"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    urgent = forms.BooleanField(label=URGENT_LABEL, help_text=URGENT_HELP, required=False)
