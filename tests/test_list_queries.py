"""Every list page and list endpoint costs the same queries with 3 rows as with 30.

The test walks the URL registry, so a new list that is not given a row maker here fails.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import cache_clear
from tests.factories import (
    ConfigurationItemFactory,
    ServiceFactory,
    SlaPolicyFactory,
    SupportGroupFactory,
)
from tests.pdca.rows import PDCA_ROW_MAKERS

pytestmark = pytest.mark.django_db


def _ci():
    ConfigurationItemFactory().services.add(ServiceFactory())


def _group():
    from tests.conftest import make_user

    group = SupportGroupFactory()
    group.members.add(make_user("m{n}".format(n=group.pk), None))


def _incident():
    from tests.factories import IncidentFactory

    incident = IncidentFactory(assignee=ServiceFactory().owner)
    incident.watchers.add(incident.caller)


def _own_incident():
    from django.contrib.auth import get_user_model

    from tests.factories import IncidentFactory

    IncidentFactory(caller=get_user_model().objects.get(username="admin"))


def _problem():
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from problems.services import problem_create
    from tests.factories import IncidentFactory

    admin = get_user_model().objects.get(username="admin")
    incident = IncidentFactory()
    problem_create(
        actor=admin,
        data={"title": "p", "service": incident.service, "workaround": "w"},
        incidents=[incident],
    )
    from problems.models import Problem

    Problem.objects.filter(known_error=False).update(
        known_error=True, known_error_published_at=timezone.now()
    )


def _suggestion():
    from django.utils import timezone

    from problems.models import SuggestedProblem

    service = ServiceFactory()
    now = timezone.now()
    SuggestedProblem.objects.create(
        key="{s}:x:".format(s=service.pk),
        service=service,
        category="x",
        incident_count=5,
        first_opened_at=now,
        last_opened_at=now,
        detected_at=now,
    )


def _change():
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from changes.models import ChangeApproval, FreezeWindow
    from changes.services import change_create

    admin = get_user_model().objects.get(username="admin")
    service = ServiceFactory()
    start = timezone.now() + dt.timedelta(days=1)
    change = change_create(
        actor=admin,
        data={"title": "c", "service": service, "planned_start": start,
              "planned_end": start + dt.timedelta(hours=1), "impact": 3, "likelihood": 3},
    )  # fmt: skip
    change.state = "authorisation"
    change.save(update_fields=["state"])
    ChangeApproval.objects.create(change=change, approver=admin, requested_at=start)
    window = FreezeWindow.objects.create(
        name="f", start=start, end=start + dt.timedelta(days=1), created_by=admin
    )
    window.services.add(service)


def _template():
    from changes.models import ChangeTemplate

    ChangeTemplate.objects.create(
        name="t{n}".format(n=ChangeTemplate.objects.count()), title="t", service=ServiceFactory(),
        implementation_plan="i", backout_plan="b", test_plan="t",
    )  # fmt: skip


def _token():
    from django.contrib.auth import get_user_model

    from integrations.services import token_create

    token_create(actor=get_user_model().objects.get(username="admin"), name="t", scope="read")


def _integration():
    from django.contrib.auth import get_user_model

    from integrations.models import AlertRule, Integration
    from integrations.services import integration_create, token_create

    admin = get_user_model().objects.get(username="admin")
    integration = integration_create(
        actor=admin,
        data={"name": "i{n}".format(n=Integration.objects.count()),
              "default_service": ServiceFactory()},
    )  # fmt: skip
    token_create(actor=admin, name="t", scope="integration", integration=integration)
    AlertRule.objects.create(integration=integration, label="a", pattern="b", impact=1)


# URL name → a function that adds one row to that list.
ROW_MAKERS = {
    "catalog:service_list": ServiceFactory,
    "catalog:ci_list": _ci,
    "catalog:supportgroup_list": _group,
    "sla:policy_list": SlaPolicyFactory,
    "catalog-api:service-list": ServiceFactory,
    "catalog-api:ci-list": _ci,
    "catalog-api:supportgroup-list": _group,
    "sla-api:slapolicy-list": SlaPolicyFactory,
    "incidents:incident_list": _incident,
    "incidents:portal": _own_incident,
    "incidents-api:incident-list": _incident,
    "problems:problem_list": _problem,
    "problems:known_error_list": _problem,
    "problems:suggestion_list": _suggestion,
    "problems-api:problem-list": _problem,
    "problems-api:knownerror-list": _problem,
    "problems-api:suggestedproblem-list": _suggestion,
    "changes:change_list": _change,
    "changes:approval_list": _change,
    "changes:freeze_list": _change,
    "changes:template_list": _template,
    "changes-api:change-list": _change,
    "changes-api:changetemplate-list": _template,
    "changes-api:freezewindow-list": _change,
    "integrations:token_list": _token,
    "integrations:integration_list": _integration,
    "integrations-api:apitoken-list": _integration,
    "tmf621:troubleticket-list": _incident,
    **PDCA_ROW_MAKERS,
}
NOT_LISTS = {"admin:app_list"}  # Django's admin index
LISTS_NOT_NAMED_SO = {"incidents:portal"}


def _list_url_names(resolver=None, namespace=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = (
                    "{ns}:".format(ns=entry.namespace)
                    if not namespace
                    else namespace + entry.namespace + ":"
                )
            yield from _list_url_names(entry, inner)
        elif (
            isinstance(entry, URLPattern) and entry.name and entry.name.endswith(("_list", "-list"))
        ):
            yield namespace + entry.name


def test_every_list_has_a_row_maker():
    assert set(_list_url_names()) - NOT_LISTS | LISTS_NOT_NAMED_SO == set(ROW_MAKERS)


@pytest.mark.parametrize("url_name", sorted(ROW_MAKERS))
def test_list_queries_do_not_grow_with_rows(client, administrator, url_name):
    client.force_login(administrator)
    url = reverse(url_name)
    url += "?page_size=100" if "-api" in url_name else "?per_page=100"
    counts = []
    for rows in (3, 30):
        for _ in range(rows - (3 if rows == 30 else 0)):
            ROW_MAKERS[url_name]()
        cache_clear()  # measured with nothing cached (permissions, option lists, rows) ...
        for _ in range(2):  # ... and again with the cache warm
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
            assert response.status_code == 200
            counts.append(len(ctx))
    assert counts[:2] == counts[2:], "{url}: {counts}".format(url=url_name, counts=counts)
