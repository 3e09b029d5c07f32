"""Serializer fields shared by the APIs."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class CalendarDateTimeField(serializers.DateTimeField):
    """A date and time between the years 1900 and 9998, as the forms accept (core.forms).

    Older instants come back from the time-zone database with local-mean-time offsets such as
    +01:12:12, which no RFC 3339 client can read; the calendar grids overflow past 9998.
    """

    default_error_messages = {"out_of_range": _("Give a date between 1900 and 9998.")}

    def to_internal_value(self, value):
        result = super().to_internal_value(value)
        if not 1900 <= result.year <= 9998:
            self.fail("out_of_range")
        return result
