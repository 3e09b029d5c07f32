"""The ends of the calendar and huge ids are answers, never server errors."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query",
    [
        "?year=9999&month=12",
        "?year=1&month=1",
        "?year=99999&month=13",
        "?view=week&date=9999-12-31",
        "?view=week&date=0001-01-01",
        "?view=week&date=garbage",
    ],
)
def test_calendar_never_fails(client, manager, query):
    client.force_login(manager)
    assert client.get(reverse("changes:calendar") + query).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "kpi=mttr_hours&end=9999-12-31",
        "kpi=mttr_hours&start=0001-01-01&end=0001-01-31",
        "kpi=mttr_hours&service=99999999999999999999",
        "kpi=backlog&aged_days=3650&end=0001-01-05",
    ],
)
def test_kpi_api_refuses_out_of_range_input(api_client, manager, query):
    assert api_client(manager).get("/api/v1/kpis/?" + query).status_code == 400


def test_change_and_freeze_forms_refuse_year_one_and_huge_ids(client, manager):
    from tests.factories import ServiceFactory

    service = ServiceFactory()
    client.force_login(manager)
    response = client.post(
        reverse("changes:change_create"),
        {
            "title": "x",
            "service": service.pk,
            "change_type": "normal",
            "planned_start": "0001-01-01T00:00",
            "cis": [str(2**66)],
            "pdca_scope": "operational",
        },
    )
    assert response.status_code == 200
    assert {"planned_start", "cis"} <= set(response.context["form"].errors)
    response = client.post(
        reverse("changes:freeze_list"),
        {"name": "x", "start": "0001-01-01T00:00", "end": "2026-12-01T00:00"},
    )
    assert response.status_code == 200
    assert "start" in response.context["form"].errors
