"""The KPI catalogue against hand-computed values, including empty periods."""

import datetime as dt

import pytest

from changes.models import Change, ChangeCausedIncident
from pdca.kpis import CATALOGUE, KpiScope, kpi_compute
from tests.factories import IncidentFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
START, END = T0, T0 + dt.timedelta(days=31)


def resolved(service, opened_h, resolved_h, **extra):
    return IncidentFactory(
        service=service,
        opened_at=T0 + dt.timedelta(hours=opened_h),
        resolved_at=T0 + dt.timedelta(hours=resolved_h),
        state="resolved",
        **extra,
    )


@pytest.fixture
def data():
    mail, erp = ServiceFactory(name="Mail"), ServiceFactory(name="ERP")
    # Resolved in October: durations 2 h, 4 h, 9 h (mean 5 h) on Mail; 10 h on ERP.
    resolved(mail, 0, 2, reassignment_count=0, reopen_count=0, resolution_target_seconds=3600 * 4,
             resolution_elapsed_seconds=3600 * 2, sla_state="met")  # fmt: skip
    resolved(mail, 10, 14, reassignment_count=1, reopen_count=0, resolution_target_seconds=3600 * 3,
             resolution_elapsed_seconds=3600 * 4, sla_state="breached_met")  # fmt: skip
    resolved(mail, 20, 29, reassignment_count=0, reopen_count=2)
    resolved(erp, 0, 10, priority=1)
    # Open at the end of October: one opened in August (aged), one in October.
    IncidentFactory(service=mail, opened_at=T0 - dt.timedelta(days=60), state="in_progress")
    IncidentFactory(service=mail, opened_at=T0 + dt.timedelta(days=3), state="new")
    # Resolved after the period: still backlog at its end.
    resolved(mail, 24 * 20, 24 * 40)
    return {"mail": mail, "erp": erp}


def test_every_kpi_answers_no_data_for_an_empty_period(db):
    for key in CATALOGUE:
        value = kpi_compute(key, start=START, end=END)
        assert value.sample == 0
        assert value.value in (None, 0.0), key
        if CATALOGUE[key].unit in ("%", "h"):
            assert value.value is None, key  # "no data", never 0 %


def test_mttr_wall_clock_and_business(data):
    mail = KpiScope(services=(data["mail"].pk,))
    assert kpi_compute("mttr_hours", start=START, end=END, scope=mail).value == 5.0
    assert kpi_compute("mttr_hours", start=START, end=END).value == 6.25  # (2+4+9+10)/4
    business = kpi_compute("mttr_business_hours", start=START, end=END, scope=mail)
    assert (business.value, business.sample) == (3.0, 2)


def test_rates(data):
    mail = KpiScope(services=(data["mail"].pk,))
    assert kpi_compute("sla_compliance", start=START, end=END, scope=mail).value == 50.0
    assert kpi_compute(
        "first_contact_resolution", start=START, end=END, scope=mail
    ).value == pytest.approx(33.33)
    assert kpi_compute("reopen_rate", start=START, end=END, scope=mail).value == pytest.approx(
        33.33
    )


def test_backlog_at_the_end_of_the_period(data):
    assert kpi_compute("backlog", start=START, end=END).value == 3
    assert kpi_compute("aged_backlog", start=START, end=END).value == 1


def test_priority_scope(data):
    p1 = KpiScope(priorities=(1,))
    assert kpi_compute("mttr_hours", start=START, end=END, scope=p1).value == 10.0


def test_change_rates(db):
    service, user = ServiceFactory(), UserFactory()
    base = {
        "service": service,
        "opened_by": user,
        "state": "closed",
        "closed_at": T0 + dt.timedelta(days=2),
    }
    ok = Change.objects.create(number="CHG1", title="a", outcome="successful", **base)
    Change.objects.create(number="CHG2", title="b", outcome="failed", **base)
    Change.objects.create(number="CHG3", title="c", outcome="successful_with_issues", **base)
    Change.objects.create(number="CHG4", title="d", outcome="", **{**base, "state": "cancelled"})
    ChangeCausedIncident.objects.create(
        change=ok, incident=IncidentFactory(service=service), linked_by=user
    )
    assert kpi_compute("change_success_rate", start=START, end=END).value == pytest.approx(66.67)
    assert kpi_compute("change_failure_rate", start=START, end=END).value == pytest.approx(66.67)


def test_period_must_be_ordered(db):
    with pytest.raises(ValueError, match="end after"):
        kpi_compute("backlog", start=END, end=START)


def test_kpi_api(api_client, manager, agent, data):
    client = api_client(manager)
    url = "/api/v1/kpis/?kpi=mttr_hours&service={s}&start=2026-10-01&end=2026-10-31".format(
        s=data["mail"].pk
    )
    body = client.get(url).json()
    assert (body["value"], body["sample"], body["unit"]) == (5.0, 3, "h")
    empty = client.get("/api/v1/kpis/?kpi=sla_compliance&start=2020-01-01&end=2020-01-31").json()
    assert empty["value"] is None
    assert client.get("/api/v1/kpis/?kpi=nope").status_code == 400
    assert (
        client.get("/api/v1/kpis/?kpi=backlog&start=2026-10-31&end=2026-10-01").status_code == 400
    )
    assert client.get("/api/v1/kpis/?kpi=backlog&service=abc").status_code == 400
    assert api_client(agent).get(url).status_code == 403
