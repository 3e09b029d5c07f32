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


# --- Every route and every API operation ---------------------------------------------------
# The tables above pin the main pages per role. Below, every UI route of the URL map and every
# operation of the OpenAPI schema is requested by every role (and by an integration token and a
# read-only token), with real records in the URL, against rules that must hold everywhere:
# nobody gets a 5xx; anonymous users are sent to log in (pages) or get 401 (API); requesters
# reach only their own corner; nobody reaches another caller's incident by number or id.

# Open to all: health probes, logging in and out, the language switch, the calendar feed
# (its address is the secret) and the API's documentation (the schema, no data).
PUBLIC_ROUTES = {
    "healthz", "readyz", "login", "logout", "set_language", "calendar_feed", "api_schema",
    "api_docs",
}  # fmt: skip
# What a requester may open: the start page, the portal, their own incident (DOMAIN §1), their
# API tokens and the known-error hint of the portal's form (workarounds only, no root cause).
REQUESTER_ROUTES = {
    "home", "me", "portal", "portal_create", "incident_detail", "token_list", "known_error_hint",
}  # fmt: skip
INCIDENT_ROUTE_NAMES = {
    "incident_detail", "incident_edit", "incident_priority", "incident_transition",
    "incident_assign", "incident_comment", "incident_attachment", "incident_attachment_download",
    "problem_from_incident", "incident_link_problem", "incident_caused_by", "incident_triage",
    "incident_cycle",
}  # fmt: skip


def ui_routes():
    from django.urls import URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern).startswith(("admin/", "api/", "^api/", "^tmf-api/")):
                    continue
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif pattern.name and not str(pattern.pattern).startswith("^"):
                yield pattern.name, prefix + str(pattern.pattern)

    return sorted(set(walk(get_resolver().url_patterns)))


@pytest.fixture
def world(actors, db):
    """Records of every kind, the requester's own incident and another caller's one."""
    import datetime as dt

    from django.utils import timezone

    from changes.services import change_create
    from incidents.models import IncidentAttachment
    from incidents.services import incident_create
    from pdca.models import Cycle, Goal, Strategy
    from problems.services import problem_create
    from tests.factories import ConfigurationItemFactory, ServiceFactory, SupportGroupFactory

    manager, requester = actors["manager"], actors["requester"]
    group = SupportGroupFactory(manager=manager)
    group.members.add(actors["agent"])
    service = ServiceFactory(support_group=group)
    other = make_user("other-caller", "requester")
    mine = incident_create(actor=requester, data={"title": "Mine", "service": service})
    theirs = incident_create(actor=other, data={"title": "Theirs", "service": service})
    attachment = IncidentAttachment.objects.create(
        incident=theirs, file="x.txt", original_name="x.txt", content_type="text/plain",
        size=1, uploaded_by=other,
    )  # fmt: skip
    problem = problem_create(actor=manager, data={"title": "P", "service": service})
    change = change_create(actor=manager, data={"title": "C", "service": service})
    today = timezone.localdate()
    strategy = Strategy.objects.create(
        name="S", vision="V", owner=manager, horizon_start=today - dt.timedelta(days=9),
        horizon_end=today + dt.timedelta(days=99),
    )  # fmt: skip
    cycle = Cycle.objects.create(
        strategy=strategy, name="Q", start=today - dt.timedelta(days=9),
        end=today + dt.timedelta(days=60), review_days=7,
    )  # fmt: skip
    goal = Goal.objects.create(cycle=cycle, name="G", kpi="backlog", target=5, direction="at_most")
    return {
        "service": service, "group": group, "ci": ConfigurationItemFactory(),
        "mine": mine, "theirs": theirs, "problem": problem, "change": change,
        "strategy": strategy, "cycle": cycle, "goal": goal, "attachment": attachment,
    }  # fmt: skip


def fill(name, route, world, incident):
    """A concrete URL for a route pattern, with real records."""
    import re

    def number(match):
        if name.startswith(("problem", "known_error")) and "incident" not in match.group(0):
            return world["problem"].number
        if name.startswith("change") and "incident" not in match.group(0):
            return world["change"].number
        return incident.number

    pk_for = {
        "service": "service", "ci": "ci", "supportgroup": "group", "policy": "service",
        "cycle": "cycle", "review": "cycle", "strategy": "strategy", "goal": "goal",
        "incident_attachment": "attachment",
    }  # fmt: skip
    path = "/" + route
    path = re.sub(r"<str:number>", number, path)
    path = re.sub(r"<str:incident>", incident.number, path)
    path = path.replace("<slug:name>", "start").replace("<str:decision>", "approve")
    path = path.replace("<str:token>", "not-a-token").replace("<slug:kind>", "services")
    prefix = next((k for k in pk_for if name.startswith(k)), None)
    obj = world.get(pk_for.get(prefix, ""), None) if prefix else None
    return path.replace("<int:pk>", str(getattr(obj, "pk", None) or 999999))


def ui_client(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client


def test_every_page_for_every_role_no_5xx_and_no_way_in_for_strangers(client, actors, world):
    seen, wrong = {}, []
    for name, route in ui_routes():
        url = fill(name, route, world, world["mine"])
        for role in ROLES:
            response = ui_client(client, actors[role]).get(url)
            status = response.status_code
            seen[(name, role)] = status
            location = response.get("Location", "")
            if status >= 500:
                wrong.append((url, role, status))
            elif role == "anonymous" and name not in PUBLIC_ROUTES:
                to_login = status == 302 and location.startswith("/accounts/login/")
                if not to_login and status not in (401, 403, 404, 405):
                    wrong.append((url, role, status, location))
            elif (
                role == "requester"
                and name not in PUBLIC_ROUTES | REQUESTER_ROUTES
                and (status not in (302, 403, 404, 405) or "/login/" in location)
            ):
                wrong.append((url, role, status, location))
    assert wrong == [], "\n".join(map(str, wrong))
    staff_pages = [n for n, _r in ui_routes() if seen[(n, "manager")] == 200]
    assert len(staff_pages) > 40, staff_pages  # the manager really reached most pages


def test_requesters_reach_no_route_of_another_callers_incident(client, actors, world):
    """GET and POST on every incident route with another caller's number: refused, or answered
    exactly as for a number that does not exist, and nothing changes."""
    theirs = world["theirs"]
    before = (theirs.version, theirs.comments.count(), theirs.attachments.count())
    requester = actors["requester"]
    for name, route in ui_routes():
        if name not in INCIDENT_ROUTE_NAMES:
            continue
        url = fill(name, route, world, theirs)
        ghost = url.replace(theirs.number, "INC9999999")
        for method in ("get", "post"):
            response = getattr(ui_client(client, requester), method)(url)
            status = response.status_code
            if status in (403, 404, 405):
                continue
            twin = getattr(ui_client(client, requester), method)(ghost)
            assert (status, response.get("Location", "").replace(theirs.number, "INC9999999")) == (
                twin.status_code,
                twin.get("Location", ""),
            ), (method, url, status)
            assert status in (302, 303), (method, url, status)
    theirs.refresh_from_db()
    assert (theirs.version, theirs.comments.count(), theirs.attachments.count()) == before
    # their own incident: readable
    own = fill("incident_detail", "incidents/<str:number>/", world, world["mine"])
    assert ui_client(client, requester).get(own).status_code == 200


def api_operations():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in sorted(schema["paths"].items()):
        for method in ("get", "post", "patch", "put", "delete"):
            if method in operations:
                yield path, method


def api_fill(path, world, incident):
    import re

    def number(match):
        if path.startswith("/api/v1/problems/") and match.group(1) == "number":
            return world["problem"].number
        if path.startswith("/api/v1/changes/") and match.group(1) == "number":
            return world["change"].number
        if match.group(1) in ("number", "incident"):
            return incident.number
        if match.group(1) in ("id", "pk"):
            for key in ("service", "ci", "group", "goal", "cycle", "strategy"):
                if key in path.replace("support-groups", "group").replace("cis", "ci"):
                    return str(world[key].pk)
            return "1"
        return {"name": "start", "decision": "approve"}.get(match.group(1), "x")

    return re.sub(r"\{(\w+)\}", number, path)


def test_every_api_operation_for_every_role_and_token(api_client, actors, world):
    from rest_framework.test import APIClient

    from integrations.models import TokenScope
    from integrations.services import integration_create, token_create

    admin = actors["administrator"]
    admin.is_superuser = True  # may register an integration
    admin.save()
    integration = integration_create(
        actor=admin, data={"name": "Mon", "kind": "generic", "default_service": world["service"]}
    )
    _t, integration_secret = token_create(
        actor=admin, name="mon", scope=TokenScope.INTEGRATION, integration=integration
    )
    _t, read_secret = token_create(actor=actors["manager"], name="ro", scope=TokenScope.READ)

    def bearer(secret):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Bearer " + secret)
        return client

    callers = {role: api_client(actors[role]) for role in ROLES}
    callers["integration_token"] = bearer(integration_secret)
    callers["read_token"] = bearer(read_secret)
    checked = 0
    for path, method in api_operations():
        url = api_fill(path, world, world["mine"])
        for who, client in callers.items():
            status = getattr(client, method)(url, {}, format="json").status_code
            checked += 1
            assert status < 500, (method, url, who, status)
            if who == "anonymous":
                assert status == 401, (method, url, status)
            if who == "integration_token" and not path.startswith("/api/v1/integrations/"):
                assert status in (401, 403, 404, 405), (method, url, status)
            if who in ROLES and path.startswith("/api/v1/integrations/") and method == "post":
                assert status in (401, 403), (method, url, who, status)  # integration tokens only
            if who == "read_token" and method != "get":
                assert status in (403, 405), (method, url, status)
            if who == "requester" and not path.startswith(
                ("/api/v1/incidents/", "/api/v1/tokens/")
            ):
                assert status in (403, 404, 405), (method, url, status)
    assert checked > 500


def test_requesters_reach_no_api_operation_on_another_callers_incident(api_client, actors, world):
    requester = api_client(actors["requester"])
    for path, method in api_operations():
        if not path.startswith("/api/v1/incidents/{number}"):
            continue
        url = api_fill(path, world, world["theirs"])
        status = getattr(requester, method)(url, {}, format="json").status_code
        assert status in (403, 404, 405), (method, url, status)
    listed = requester.get("/api/v1/incidents/?page_size=200").json()
    assert [i["number"] for i in listed["results"]] == [world["mine"].number]
    by_caller = requester.get(
        "/api/v1/incidents/", {"caller": world["theirs"].caller_id, "q": "Theirs"}
    )
    assert by_caller.status_code in (200, 400)
    if by_caller.status_code == 200:
        assert by_caller.json()["count"] == 0
