"""Intake forms as Django forms: one field per FormField, validated the same way whether the
request comes from the web page or the API, and turned into a ticket's stored answers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.selectors import visible_people
from desk.models import FormField, IntakeForm
from network.form_fields import MultipleFileField

YES_NO = [("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]
TITLE_MAX = 200
DESCRIPTION_MAX = 5000


def _field(spec: FormField, requester) -> forms.Field:
    common = {"label": spec.label, "required": spec.required, "help_text": spec.help_text}
    kind = FormField.Kind
    if spec.kind == kind.SHORT_TEXT:
        return forms.CharField(max_length=300, **common)
    if spec.kind == kind.LONG_TEXT:
        return forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
                               **common)
    options = [(option, option) for option in spec.choices]
    if spec.kind == kind.SINGLE_CHOICE:
        return forms.ChoiceField(choices=options, widget=forms.RadioSelect, **common)
    if spec.kind == kind.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(choices=options, widget=forms.CheckboxSelectMultiple,
                                         **common)
    if spec.kind == kind.YES_NO:
        return forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect, **common)
    if spec.kind == kind.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if spec.kind == kind.NUMBER:
        return forms.DecimalField(max_digits=14, decimal_places=4, **common)
    if spec.kind == kind.PERSON:
        return forms.ModelChoiceField(queryset=visible_people(requester), **common)
    return forms.FileField(**common)


class RequestForm(forms.Form):
    """A request: its title, priority and category (when the desk asks), then the form's
    fields."""

    title = forms.CharField(label=gettext_lazy("Summary"), max_length=TITLE_MAX,
                            help_text=gettext_lazy("One line that says what you need."))

    def __init__(self, *args, desk, intake_form: IntakeForm | None, requester,
                 priorities=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.desk, self.intake_form = desk, intake_form
        if priorities:
            self.fields["priority"] = forms.ChoiceField(
                label=_("Priority"), choices=priorities, initial="normal")
        if categories and (intake_form is None or intake_form.category_id is None):
            self.fields["category"] = forms.ModelChoiceField(
                label=_("Category"), queryset=categories, required=False,
                empty_label=_("Not sure"))
        self.specs = list(intake_form.fields.all()) if intake_form else []
        for spec in self.specs:
            self.fields[spec.key] = _field(spec, requester)
        if intake_form is None:
            # "Other request": the requester's own words, and files (a screenshot of the
            # error, a photo of the broken device).
            self.fields["description"] = forms.CharField(
                label=_("Description"), required=False, max_length=DESCRIPTION_MAX,
                widget=forms.Textarea(attrs={"rows": 6}),
                help_text=_("What happens, where, since when: anything that helps the desk."))
            self.fields["files"] = MultipleFileField(
                label=_("Files"), required=False,
                help_text=_("A screenshot or a photo, for example."))

    @property
    def has_files(self) -> bool:
        return "files" in self.fields or any(spec.kind == FormField.Kind.FILE
                                             for spec in self.specs)

    def answers(self) -> tuple[list[dict], list]:
        """The stored answers and the uploaded files, once the form is valid."""
        rows, files = [], []
        description = (self.cleaned_data.get("description") or "").strip()
        if description:
            rows.append({"field": None, "label": _("Description"),
                         "kind": FormField.Kind.LONG_TEXT.value,
                         "value": description, "text": description})
        files.extend(self.cleaned_data.get("files") or [])
        for spec in self.specs:
            value = self.cleaned_data.get(spec.key)
            rows.append({"field": spec.pk, "label": spec.label, "kind": spec.kind,
                         "value": _json(value), "text": _text(spec, value)})
            if spec.kind == FormField.Kind.FILE and value:
                files.append(value)
        return rows, files


def _json(value):
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize())
    if hasattr(value, "pk"):
        return value.pk
    if hasattr(value, "name") and hasattr(value, "size"):
        return value.name
    return value


def _text(spec: FormField, value) -> str:
    """The answer as the ticket shows it."""
    if value is None or value == "" or value == []:
        return ""
    if spec.kind == FormField.Kind.YES_NO:
        return str(dict(YES_NO)[value])
    if spec.kind == FormField.Kind.MULTIPLE_CHOICE:
        return ", ".join(value)
    if spec.kind == FormField.Kind.PERSON:
        return value.display_name
    if spec.kind == FormField.Kind.FILE:
        return value.name
    return str(_json(value))
