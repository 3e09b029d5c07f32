"""Form fields shared by every app."""

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_ID = 2**62


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses ids that are not whole numbers in the database's range before querying (on
    SQLite a huge id raised OverflowError instead of a field error)."""

    def _check_values(self, value):
        if self.to_field_name:  # looked up by another field (e.g. a number), not by id
            return super()._check_values(value)
        for pk in value:
            text = str(pk).strip()
            if not (text.isascii() and text.isdigit()) or int(text) >= MAX_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class BoundedDateTimeField(forms.DateTimeField):
    """A date and time between the years 1900 and 9998 (the ends of the calendar overflow
    when converted between time zones)."""

    def clean(self, value):
        result = super().clean(value)
        if result is not None and not (1900 <= result.year <= 9998):
            raise forms.ValidationError(
                _("Give a date between 1900 and 9998."), code="out_of_range"
            )
        return result


def any_yes_no() -> forms.Select:
    """The widget of a yes/no filter: "Any" rather than django-filter's "Unknown"."""
    return forms.Select(choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))])
