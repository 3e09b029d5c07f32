"""Hostile input on the PDCA pages and API: huge ids, NaN and overflowing numbers, odd
record numbers: a 4xx or a page, never a 500."""

import pytest

pytestmark = pytest.mark.django_db

BIG = 10**22
GOAL = {"name": "x", "kpi": "backlog", "direction": "at_most"}


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/goals/", {**GOAL, "cycle": BIG, "target": 1, "services": [BIG]}),
        ("/api/v1/goals/", {**GOAL, "cycle": 1, "target": "nan"}),
        ("/api/v1/goals/", {**GOAL, "cycle": 1, "target": 1e308}),
        (
            "/api/v1/cycles/",
            {"strategy": BIG, "name": "x", "start": "2026-01-01", "end": "2026-02-01"},
        ),
        (
            "/api/v1/strategies/",
            {
                "name": "x",
                "vision": "v",
                "owner": BIG,
                "horizon_start": "2026-01-01",
                "horizon_end": "2027-01-01",
                "services": [BIG],
            },
        ),
        (
            "/api/v1/improvement-actions/",
            {"title": "x", "owner": BIG, "due_date": "2026-01-01", "goal": BIG},
        ),
        ("/api/v1/strategic-items/", {"kind": "incident", "number": "9" * 40, "reason": "x"}),
        ("/api/v1/strategic-items/", {"kind": "incident", "number": 12, "reason": "x"}),
    ],
)
def test_hostile_api_input_is_a_4xx(api_client, manager, url, body):
    response = api_client(manager).post(url, body, format="json")
    assert 400 <= response.status_code < 500, response.content


def test_hostile_ids_in_urls_and_forms(api_client, manager, client):
    api = api_client(manager)
    for url in (
        "/api/v1/goals/{n}/",
        "/api/v1/reviews/?cycle={n}",
        "/api/v1/improvement-actions/?goal={n}&owner={n}",
    ):
        assert api.get(url.format(n=BIG)).status_code < 500, url
    decide = "/api/v1/strategic-items/{n}/decide/".format(n=BIG)
    assert api.post(decide, {}, format="json").status_code == 404
    client.force_login(manager)
    for url in (
        "/pdca/goals/{n}/", "/pdca/goals/{n}/records/", "/pdca/services/{n}/",
        "/pdca/actions/?goal={n}", "/pdca/goals/?cycle={n}", "/pdca/cycles/{n}/",
        "/pdca/reviews/{n}/", "/pdca/strategic/{n}/", "/pdca/actions/add/?goal={n}",
        "/pdca/goals/add/?cycle={n}",
    ):  # fmt: skip
        assert client.get(url.format(n=BIG)).status_code < 500, url
    assert client.post("/pdca/cycles/{n}/review/".format(n=BIG)).status_code == 404
    response = client.post(
        "/pdca/actions/add/",
        {"title": "x", "owner": BIG, "due_date": "2026-01-01", "goal": BIG, "status": "planned"},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"owner", "goal"}
    response = client.post(
        "/pdca/goals/add/",
        {**GOAL, "cycle": BIG, "target": "1", "services": [BIG], "aged_days": 30},
    )
    assert response.status_code == 200
    assert {"cycle", "services"} <= set(response.context["form"].errors)
