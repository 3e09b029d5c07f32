"""Small, rarely changed rows (services, groups, SLA policies, cycles) kept in each process's
memory for the incident page: read once, never stale after a save or delete, and each caller
gets a copy of its own."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import Service
from core.cache import row_cached
from pdca.models import Cycle, Strategy
from sla.models import SlaPolicy
from tests.factories import (
    IncidentFactory,
    ServiceFactory,
    SlaPolicyFactory,
    SupportGroupFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_a_row_is_read_once_then_from_memory():
    service = ServiceFactory(name="Mail")
    assert row_cached(Service, service.pk).name == "Mail"
    with CaptureQueriesContext(connection) as queries:
        again = row_cached(Service, service.pk)
    assert again.name == "Mail"
    assert not [q for q in queries.captured_queries if "catalog_service" in q["sql"]]


def test_a_save_or_a_delete_shows_at_once():
    service = ServiceFactory(name="Mail")
    row_cached(Service, service.pk)
    service.name = "E-mail"
    service.save()
    assert row_cached(Service, service.pk).name == "E-mail"
    pk = service.pk
    service.delete()
    assert row_cached(Service, pk) is None
    assert row_cached(Service, None) is None


def test_each_caller_gets_its_own_copy():
    service = ServiceFactory(name="Mail", support_group=SupportGroupFactory(name="Desk"))
    mine = row_cached(Service, service.pk)
    mine.name = "Changed only here"
    mine.support_group.name = "And here"
    again = row_cached(Service, service.pk)
    assert (again.name, again.support_group.name) == ("Mail", "Desk")


def test_a_copy_has_lists_of_its_own():
    policy = SlaPolicyFactory(work_days=[0, 1, 2, 3, 4])
    row_cached(SlaPolicy, policy.pk).work_days.append(5)
    assert row_cached(SlaPolicy, policy.pk).work_days == [0, 1, 2, 3, 4]


def test_a_renamed_strategy_retires_its_cycles():
    strategy = Strategy.objects.create(
        name="Stable mail", vision="Mail just works.", owner=UserFactory(username="owner"),
        horizon_start=dt.date(2026, 1, 1), horizon_end=dt.date(2027, 12, 31),
    )  # fmt: skip
    cycle = Cycle.objects.create(
        strategy=strategy, name="Oct", start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31)
    )
    assert str(row_cached(Cycle, cycle.pk)) == "Stable mail: Oct"
    strategy.name = "Calm mail"
    strategy.save()
    assert str(row_cached(Cycle, cycle.pk)) == "Calm mail: Oct"


def test_the_incident_page_reads_its_service_group_and_policy_once(client, agent):
    """A second incident of the same service reads no service, group, policy or person
    row; a renamed service, group or caller shows on the very next page."""
    group = SupportGroupFactory(name="Mail desk")
    service = ServiceFactory(name="Mail", support_group=group)
    policy = SlaPolicyFactory()
    first = IncidentFactory(service=service, assignment_group=group, sla_policy=policy)
    second = IncidentFactory(
        service=service,
        assignment_group=group,
        sla_policy=policy,
        caller=first.caller,
        assignee=UserFactory(username="pia", first_name="Pia", last_name="Ek"),
    )
    client.force_login(agent)

    def look(incident):
        url = reverse("incidents:incident_detail", args=[incident.number])
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url).content.decode()
        return page, [q["sql"] for q in queries.captured_queries]

    look(first)
    look(second)
    page, sql = look(second)
    assert "<dt>Group</dt><dd>Mail desk</dd>" in page
    for table in ("catalog_service", "catalog_supportgroup", "sla_slapolicy"):
        assert not [q for q in sql if q.startswith('SELECT "{t}"'.format(t=table))], table
    # The people: only the signed-in user's own row (the session's), not the caller's.
    assert len([q for q in sql if q.startswith('SELECT "auth_user"')]) == 1
    assert "<dt>Assigned to</dt><dd>Pia Ek</dd>" in page

    service.name = "E-mail"
    service.save()
    group.name = "Messaging desk"
    group.save()
    second.caller.first_name, second.caller.last_name = "Lena", "Berg"
    second.caller.save()
    second.assignee.last_name = "Ekberg"
    second.assignee.save()
    page, _sql = look(second)
    assert '">E-mail</a></dd>' in page
    assert "<dt>Group</dt><dd>Messaging desk</dd>" in page
    assert "<dt>Caller</dt><dd>Lena Berg</dd>" in page
    assert "<dt>Assigned to</dt><dd>Pia Ekberg</dd>" in page
