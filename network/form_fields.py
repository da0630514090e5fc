"""Form fields more than one app needs."""

from django import forms


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; cleans to a list (empty when none was chosen)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        # super() with its arguments: a comprehension is a scope of its own.
        return [super(MultipleFileField, self).clean(item, initial) for item in files]
