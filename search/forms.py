"""The results page's form: what to look for, how to narrow it, in which order."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from network.ids import MAX_ID
from search.models import Kind
from search.selectors import DATE, RELEVANCE
from search.text import FILE_TYPES


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search for"), required=False, strip=False)
    kind = forms.ChoiceField(label=_("Show"), required=False,
                             choices=[("", _("Everything")), *Kind.choices])
    group = forms.SlugField(label=_("Group"), required=False, max_length=140)
    author = forms.IntegerField(label=_("Author"), required=False, min_value=1,
                                max_value=MAX_ID)
    after = forms.DateField(label=_("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    before = forms.DateField(label=_("To"), required=False,
                             widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    file_type = forms.ChoiceField(label=_("File type"), required=False,
                                  choices=[("", _("Any file type")), *FILE_TYPES.items()])
    sort = forms.ChoiceField(label=_("Sort by"), required=False,
                             choices=[(RELEVANCE, _("Best match")), (DATE, _("Newest first"))])
    cursor = forms.CharField(required=False, max_length=200)

    def clean_q(self):
        q = self.cleaned_data["q"] or ""
        limit = settings.RELAIS_LIMITS["search_query_chars"]
        if len(q) > limit:
            raise forms.ValidationError(
                _("This search is too long: %(limit)s characters at most (%(length)s typed).")
                % {"limit": limit, "length": len(q)})
        return q

    def clean(self):
        data = super().clean()
        after, before = data.get("after"), data.get("before")
        if after and before and after > before:
            self.add_error("before", _("The end of the period comes before its start."))
        return data
