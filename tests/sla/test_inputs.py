"""The SLA inputs every incident write needs (policy versions, target minutes) are read once
per process, show a saved target at once, and a bulk-written one within five minutes."""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sla import selectors
from sla.models import SlaTarget
from tests.factories import SlaPolicyFactory

pytestmark = pytest.mark.django_db


def test_read_once_then_a_saved_target_shows_at_once():
    policy = SlaPolicyFactory()
    _versions, minutes = selectors.sla_inputs()
    assert minutes[(policy.pk, 1)] == (30, 240)
    with CaptureQueriesContext(connection) as queries:
        selectors.sla_inputs()
    assert queries.captured_queries == []

    target = SlaTarget.objects.get(policy=policy, priority=1)
    target.resolution_minutes = 120
    target.save()
    assert selectors.sla_inputs()[1][(policy.pk, 1)] == (30, 120)


def test_a_target_written_without_signals_shows_within_five_minutes(monkeypatch):
    from core import cache as caching

    policy = SlaPolicyFactory()
    now = 1_000.0
    monkeypatch.setattr(caching, "time", SimpleNamespace(monotonic=lambda: now))
    selectors.sla_inputs()
    SlaTarget.objects.filter(policy=policy, priority=1).update(resolution_minutes=60)
    now += 299
    assert selectors.sla_inputs()[1][(policy.pk, 1)] == (30, 240)
    now += 1
    assert selectors.sla_inputs()[1][(policy.pk, 1)] == (30, 60)
