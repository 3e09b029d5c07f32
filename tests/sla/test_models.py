"""SLA policies: validation, their calendar, and warnings/breaches recorded exactly once."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.utils import IntegrityError

from sla.models import SlaNotification, SlaPolicy
from sla.services import sla_notification_record
from tests.factories import ServiceFactory, SlaPolicyFactory

pytestmark = pytest.mark.django_db


def test_policy_calendar_follows_its_columns():
    policy = SlaPolicyFactory(
        time_zone="Europe/Stockholm",
        work_start=dt.time(8),
        work_end=dt.time(17),
        break_start=dt.time(12),
        break_end=dt.time(13),
    )
    cal = policy.calendar
    assert cal.tz == "Europe/Stockholm"
    monday = dt.date(2026, 11, 23)
    hours = sum((b - a for a, b in cal.working_intervals(monday)), dt.timedelta())
    assert hours == dt.timedelta(hours=8)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"work_days": [0, 9]}, "work_days"),
        ({"break_start": dt.time(12)}, "break_end"),
        ({"break_start": dt.time(6), "break_end": dt.time(7)}, "break_start"),
    ],
)
def test_policy_validation(changes, field):
    policy = SlaPolicy(name="P", **changes)
    with pytest.raises(ValidationError) as err:
        policy.full_clean()
    assert field in err.value.message_dict


def test_only_one_default_policy():
    SlaPolicyFactory(is_default=True)
    with pytest.raises(IntegrityError):
        SlaPolicyFactory(is_default=True)


def test_notification_is_recorded_once():
    record = ServiceFactory()  # any model row works as the clock's record
    args = {"record": record, "metric": "resolution", "kind": "warning", "threshold": 75}
    assert sla_notification_record(**args) is True
    assert sla_notification_record(**args) is False
    assert SlaNotification.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_racing_scanners_record_one_notification():
    record = ServiceFactory()
    results = []

    def scan():
        try:
            results.append(
                sla_notification_record(
                    record=record, metric="response", kind="breach", threshold=100
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]
    assert SlaNotification.objects.count() == 1
