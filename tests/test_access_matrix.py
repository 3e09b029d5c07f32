"""Who may open what: every main page and API list, for every role (DOMAIN §1, RBAC)."""

import pytest
from django.urls import reverse

from tests.conftest import make_user

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "requester", "agent", "manager", "change_approver", "administrator")

# url, expected status per role in ROLES order (302: sent to the login page; 401: API login)
MATRIX = {
    "/": (302, 200, 200, 200, 200, 200),
    "/portal/": (302, 200, 200, 200, 200, 200),
    "/catalog/services/": (302, 403, 200, 200, 200, 200),
    "/catalog/export/services.csv": (302, 403, 200, 200, 200, 200),
    "/catalog/import/": (302, 403, 403, 200, 403, 200),
    "/sla/policies/": (302, 403, 200, 200, 200, 200),
    "/incidents/": (302, 403, 200, 200, 200, 200),
    "/problems/": (302, 403, 200, 200, 200, 200),
    "/problems/known-errors/": (302, 403, 200, 200, 200, 200),
    "/problems/suggestions/": (302, 403, 200, 200, 200, 200),
    "/changes/": (302, 403, 200, 200, 200, 200),
    "/changes/calendar/": (302, 403, 200, 200, 200, 200),
    "/changes/approvals/": (302, 403, 403, 200, 200, 200),
    "/changes/freezes/": (302, 403, 200, 200, 200, 200),
    "/pdca/": (302, 403, 403, 200, 403, 200),
    "/pdca/strategies/": (302, 403, 403, 200, 403, 200),
    "/pdca/strategies/add/": (302, 403, 403, 200, 403, 200),
    "/pdca/cycles/": (302, 403, 403, 200, 403, 200),
    "/pdca/cycles/add/": (302, 403, 403, 200, 403, 200),
    "/pdca/goals/": (302, 403, 403, 200, 403, 200),
    "/pdca/goals/add/": (302, 403, 403, 200, 403, 200),
    "/pdca/actions/": (302, 403, 403, 200, 403, 200),
    "/pdca/actions/add/": (302, 403, 403, 200, 403, 200),
    "/pdca/strategic/": (302, 403, 403, 200, 403, 200),
    "/api/v1/incidents/": (401, 200, 200, 200, 200, 200),
    "/api/v1/services/": (401, 403, 200, 200, 200, 200),
    "/api/v1/problems/": (401, 403, 200, 200, 200, 200),
    "/api/v1/known-errors/": (401, 403, 200, 200, 200, 200),
    "/api/v1/suggested-problems/": (401, 403, 200, 200, 200, 200),
    "/api/v1/changes/": (401, 403, 200, 200, 200, 200),
    "/api/v1/kpis/?kpi=backlog": (401, 403, 403, 200, 403, 200),
    "/api/v1/strategies/": (401, 403, 403, 200, 403, 200),
    "/api/v1/cycles/": (401, 403, 403, 200, 403, 200),
    "/api/v1/goals/": (401, 403, 403, 200, 403, 200),
    "/api/v1/reviews/": (401, 403, 403, 200, 403, 200),
    "/api/v1/improvement-actions/": (401, 403, 403, 200, 403, 200),
    "/api/v1/strategic-items/": (401, 403, 403, 200, 403, 200),
    "/account/tokens/": (302, 200, 200, 200, 200, 200),
    "/integrations/": (302, 403, 403, 200, 403, 200),
    "/api/v1/tokens/": (401, 200, 200, 200, 200, 200),
    "/tmf-api/troubleTicketManagement/v4/troubleTicket": (401, 200, 200, 200, 200, 200),
    "/tmf-api/troubleTicket/v4/troubleTicket": (401, 200, 200, 200, 200, 200),
}


@pytest.fixture
def actors():
    users = {role: make_user("u-" + role, role) for role in ROLES if role != "anonymous"}
    users["anonymous"] = None
    return users


@pytest.mark.parametrize("url", sorted(MATRIX))
def test_access(client, actors, url):
    from rest_framework.test import APIClient

    seen = []
    for role in ROLES:
        user = actors[role]
        if url.startswith(("/api/", "/tmf-api/")):
            api = APIClient()
            if user is not None:
                api.force_authenticate(user)
            seen.append(api.get(url).status_code)
        else:
            client.logout()
            if user is not None:
                client.force_login(user)
            seen.append(client.get(url).status_code)
    assert tuple(seen) == MATRIX[url], dict(zip(ROLES, seen, strict=True))


def test_requesters_never_see_each_others_incidents_by_number(client, api_client, actors):
    from tests.factories import IncidentFactory

    other = make_user("someone-else", "requester")
    theirs = IncidentFactory(caller=other)
    requester = actors["requester"]
    client.force_login(requester)
    assert client.get(reverse("incidents:incident_detail", args=[theirs.number])).status_code == 404
    assert (
        api_client(requester).get("/api/v1/incidents/{n}/".format(n=theirs.number)).status_code
        == 404
    )
    assert (
        api_client(requester)
        .get("/api/v1/incidents/{n}/comments/".format(n=theirs.number))
        .status_code
        == 404
    )
