"""List pages' model selects come from the cache, render exactly as Django renders them, and
show a new, renamed or removed service, group or agent on the very next request."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.cache import choices_from_cache
from core.templatetags.core_tags import widget
from incidents.filters import IncidentFilterSet
from tests.factories import ServiceFactory, SupportGroupFactory

pytestmark = pytest.mark.django_db
QUEUE = "/incidents/?queue=all"


def selects(form) -> dict[str, str]:
    return {name: str(widget(form[name])) for name in ("service", "assignment_group", "assignee")}


def test_cached_selects_render_as_the_database_ones(agent, manager):
    group = SupportGroupFactory(name="Desk <&>")
    group.members.add(agent, manager)
    ServiceFactory(name="Mail", support_group=group)
    ServiceFactory(name="Pay & roll", support_group=group)
    data = {"service": "", "assignee": str(agent.pk)}
    expected = selects(IncidentFilterSet(data).form)
    for _ in range(2):  # filled from the database, then read from the cache
        form = IncidentFilterSet(data).form
        choices_from_cache(form, "test")
        assert selects(form) == expected


def test_the_page_reads_no_option_rows_once_cached(client, agent):
    client.force_login(agent)
    client.get(QUEUE)
    with CaptureQueriesContext(connection) as queries:
        client.get(QUEUE)
    option_lists = [
        q["sql"]
        for q in queries.captured_queries
        if re.search(
            r'(^|FOR )SELECT (DISTINCT )?"(catalog_service|catalog_supportgroup|auth_user)"\."id", ',
            q["sql"],
        )
        and "LIMIT" not in q["sql"]
    ]
    assert option_lists == []


def test_changes_show_on_the_next_request(client, agent, manager):
    group = SupportGroupFactory(name="Desk")
    group.members.add(agent)
    service = ServiceFactory(name="Mail", support_group=group)
    client.force_login(agent)
    assert ">Mail</option>" in client.get(QUEUE).content.decode()
    service.name = "E-mail"
    service.save()
    page = client.get(QUEUE).content.decode()
    assert ">E-mail</option>" in page
    assert ">Mail</option>" not in page
    ServiceFactory(name="Payroll", support_group=group)
    assert ">Payroll</option>" in client.get(QUEUE).content.decode()
    assert ">manager</option>" not in client.get(QUEUE).content.decode()
    group.members.add(manager)  # an agent now: offered as assignee
    assert ">manager</option>" in client.get(QUEUE).content.decode()
    service.delete()
    assert ">E-mail</option>" not in client.get(QUEUE).content.decode()


def test_a_submitted_choice_is_still_checked_against_the_database(client, agent):
    client.force_login(agent)
    service = ServiceFactory(name="Mail")
    client.get(QUEUE)
    page = client.get(QUEUE + "&service={pk}".format(pk=service.pk + 1000))
    assert page.status_code == 200
    assert "Select a valid choice" in page.content.decode()
