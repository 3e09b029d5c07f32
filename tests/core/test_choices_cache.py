"""List pages' model selects come from the cache, render exactly as Django renders them, and
show a new, renamed or removed service, group or agent on the very next request."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.cache import choices_from_cache
from core.templatetags.core_tags import widget
from incidents.filters import IncidentFilterSet
from tests.factories import IncidentFactory, ServiceFactory, SupportGroupFactory

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


def test_an_unfiltered_page_serves_its_filter_form_and_bulk_bar_from_the_cache(client, agent):
    """The same HTML as when they were built, yet the second look builds neither form."""
    IncidentFactory()  # a row: the bulk bar shows
    client.force_login(agent)
    first = client.get(QUEUE).content.decode()
    built = []
    original = IncidentFilterSet.form

    def counted(self):
        built.append(self)
        return original.__get__(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(IncidentFilterSet, "form", property(counted))
        patch.setattr("incidents.views.BulkForm", lambda **kw: built.append(kw))
        second = client.get(QUEUE).content.decode()
    assert built == []
    csrf = re.compile(r"[A-Za-z0-9]{64}")  # masked anew on every page
    assert csrf.sub("", second) == csrf.sub("", first)
    assert 'id="bulk-assignee"' in second
    assert '<label for="bulk-assignee"' in second


def test_a_filtered_page_shows_what_was_chosen(client, agent):
    service = ServiceFactory(name="Mail")
    client.force_login(agent)
    client.get(QUEUE)  # the unfiltered form is cached
    page = client.get(QUEUE + "&service={pk}&q=vpn".format(pk=service.pk)).content.decode()
    assert '<option value="{pk}" selected>Mail</option>'.format(pk=service.pk) in page
    assert 'name="q" id="id_q" value="vpn"' in page
    assert "selected>Mail" not in client.get(QUEUE).content.decode()


def test_each_language_has_its_own_cached_form(client, agent):
    client.force_login(agent)
    assert ">Filter</button>" in client.get(QUEUE).content.decode()
    swedish = client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert ">Filter</button>" not in swedish.replace(">Filtrera</button>", "")
    assert ">Filtrera</button>" in swedish


def test_a_form_over_a_model_the_cache_does_not_cover_is_rendered_every_time(agent):
    from django import forms

    from core.cache import choices_html
    from incidents.models import Incident

    class PickIncident(forms.Form):
        incident = forms.ModelChoiceField(queryset=Incident.objects.order_by("number"))

    def html() -> str:
        return choices_html("test.PickIncident", "", PickIncident, lambda f: str(f["incident"]))

    first = IncidentFactory(title="First")
    assert first.number in html()
    second = IncidentFactory(title="Second")  # nothing retires the option-list generation
    assert second.number in html()
