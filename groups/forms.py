from django import forms
from django.utils.translation import gettext_lazy as _

from groups.models import Group, Membership

VISIBILITY_HELP = {
    Group.Visibility.PUBLIC: _("Anyone in the organisation can see the content and join."),
    Group.Visibility.PRIVATE: _("Listed, but only members see the content. People ask to join."),
    Group.Visibility.SECRET: _("Invisible to non-members. Members are invited."),
}


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Group.Visibility.choices,
                                   initial=Group.Visibility.PUBLIC, widget=forms.RadioSelect)
    colour = forms.ChoiceField(label=_("Colour"), choices=Group.Colour.choices,
                               initial=Group.Colour.TEAL, widget=forms.RadioSelect)
    allow_guests = forms.BooleanField(label=_("Open to guests"), required=False,
                                      help_text=_("External partners can be invited into this "
                                                  "group. They see nothing else."))

    def visibility_options(self):
        return [(choice, VISIBILITY_HELP[choice.data["value"]]) for choice in self["visibility"]]


class JoinRequestForm(forms.Form):
    message = forms.CharField(label=_("Message to the group's admins (optional)"), required=False,
                              max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices,
                             initial=Membership.Role.MEMBER)
    as_guest = forms.BooleanField(label=_("Invite as an external guest"), required=False)

    def __init__(self, *args, group: Group, **kwargs):
        super().__init__(*args, **kwargs)
        if not group.allow_guests:
            del self.fields["as_guest"]


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)
