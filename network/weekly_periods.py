"""Periods per weekday on a form: a person's working hours (notifications) and a desk's
service hours (desk) are both up to a few (start, end) time pairs a day, edited the same way."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.utils.dates import WEEKDAYS

# Periods a day offers on a page; a day that has more (set through the API) offers as many as
# it has, so saving the page never drops one.
PERIOD_SLOTS = 2


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class WeeklyPeriods:
    """The time fields of a form's periods, named ``day<weekday>_<slot>_start`` and ``_end``.

    ``labels``: the start and end fields' labels, with ``%(day)s`` and ``%(number)d``.
    """

    def __init__(self, form: forms.BaseForm, periods, *, labels: tuple[str, str]):
        self.form = form
        self.day_slots: list[tuple[int, list[tuple[str, str]]]] = []
        for weekday in range(7):
            mine = [p for p in periods if p.weekday == weekday]
            slots = []
            for slot in range(max(PERIOD_SLOTS, len(mine))):
                which = {"day": WEEKDAYS[weekday], "number": slot + 1}
                names = (f"day{weekday}_{slot}_start", f"day{weekday}_{slot}_end")
                for name, label in zip(names, labels, strict=True):
                    form.fields[name] = forms.TimeField(required=False, widget=TimeInput(),
                                                        label=label % which)
                if slot < len(mine):
                    form.initial[names[0]], form.initial[names[1]] = (mine[slot].start,
                                                                      mine[slot].end)
                slots.append(names)
            self.day_slots.append((weekday, slots))

    def days(self) -> list[dict]:
        """Per weekday: its name, its periods as (start, end) bound fields, and its errors."""
        days = []
        for weekday, slots in self.day_slots:
            bound = [(self.form[start], self.form[end]) for start, end in slots]
            errors = [error for pair in bound for field in pair for error in field.errors]
            days.append({"name": WEEKDAYS[weekday], "weekday": weekday, "periods": bound,
                         "errors": list(dict.fromkeys(errors))})
        return days

    def check(self, cleaned: dict, *, incomplete: str,
              refusal: Callable[[object, object], str | None]) -> None:
        """Add the errors of each period: ``incomplete`` when only one end is given, and what
        ``refusal(start, end)`` says of a whole one (None when it is fine)."""
        for _weekday, slots in self.day_slots:
            for start_name, end_name in slots:
                if start_name in self.form.errors or end_name in self.form.errors:
                    continue
                start, end = cleaned.get(start_name), cleaned.get(end_name)
                if (start is None) != (end is None):
                    self.form.add_error(end_name if end is None else start_name, incomplete)
                elif start is not None and (message := refusal(start, end)):
                    self.form.add_error(end_name, message)

    def periods(self) -> list[tuple]:
        """The whole periods given, as (weekday, start, end)."""
        data = self.form.cleaned_data
        return [(weekday, data[start], data[end])
                for weekday, slots in self.day_slots for start, end in slots
                if data.get(start) is not None and data.get(end) is not None]
