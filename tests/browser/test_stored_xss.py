"""Stored XSS, in Chromium: payloads in every free-text field (incident title, description and
comments; problem title, root cause, workaround and RCA notes; change fields; strategy and
goal names) are shown as text on the lists, details, timelines and dashboards. No script runs
(window.__pwned stays unset) and no injected element exists in the page."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from changes.services import change_create
from incidents.services import incident_comment_add, incident_create
from pdca.models import Cycle, Goal, Strategy
from problems.services import problem_create
from tests.browser.test_incident_flow import login
from tests.conftest import make_user
from tests.factories import ServiceFactory, SupportGroupFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PAYLOAD = (
    '<script>window.__pwned=1</script><img src=x class="xss" onerror="window.__pwned=1">'
    '<svg class="xss" onload="window.__pwned=1"></svg>"><a class="xss" href="javascript:'
    'window.__pwned=1">x</a>'
)
TITLE = 'T<img src=x class="xss" onerror="window.__pwned=1">'  # one line, within 200 chars


def hostile_records():
    manager = make_user("maria", "manager")
    agent = make_user("erik", "agent")
    group = SupportGroupFactory(name="Desk", manager=manager)
    group.members.add(agent, manager)
    service = ServiceFactory(name="Mail", support_group=group)
    incident = incident_create(
        actor=agent,
        data={"title": TITLE, "description": PAYLOAD, "service": service, "category": TITLE},
    )
    incident_comment_add(actor=agent, incident=incident.pk, body=PAYLOAD)
    incident_comment_add(actor=agent, incident=incident.pk, body=PAYLOAD, kind="work_note")
    problem = problem_create(
        actor=manager,
        data={
            "title": TITLE, "description": PAYLOAD, "service": service, "root_cause": PAYLOAD,
            "workaround": PAYLOAD, "rca_method": "five_whys",
            "rca_notes": [{"why": PAYLOAD, "because": PAYLOAD}],
        },
    )  # fmt: skip
    change = change_create(
        actor=manager,
        data={
            "title": TITLE, "description": PAYLOAD, "reason": PAYLOAD, "service": service,
            "implementation_plan": PAYLOAD, "backout_plan": PAYLOAD, "test_plan": PAYLOAD,
        },
    )  # fmt: skip
    today = timezone.localdate()
    strategy = Strategy.objects.create(
        name=TITLE, vision=PAYLOAD, owner=manager,
        horizon_start=today - dt.timedelta(days=30), horizon_end=today + dt.timedelta(days=300),
    )  # fmt: skip
    cycle = Cycle.objects.create(
        strategy=strategy, name=TITLE, start=today - dt.timedelta(days=10),
        end=today + dt.timedelta(days=60), review_days=7,
    )  # fmt: skip
    Goal.objects.create(cycle=cycle, name=TITLE, kpi="backlog", target=5, direction="at_most")
    return incident, problem, change


def assert_inert(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status == 200, url
    page.wait_for_load_state("load")
    assert page.evaluate("() => window.__pwned") is None, url
    assert page.locator(".xss").count() == 0, url
    assert page.locator('img[src="x"]').count() == 0, url


def test_no_payload_runs_anywhere(live_server, page: Page):
    incident, problem, change = hostile_records()
    base = live_server.url
    login(page, base, "maria")
    pages = [
        "/",
        "/incidents/?queue=all",
        "/incidents/{n}/".format(n=incident.number),
        "/problems/",
        "/problems/{n}/".format(n=problem.number),
        "/changes/",
        "/changes/{n}/".format(n=change.number),
        "/pdca/",
        "/pdca/goals/",
        "/pdca/strategies/",
        "/pdca/cycles/",
    ]
    for path in pages:
        assert_inert(page, base + path)
    # the text itself is there, shown as text
    page.goto(base + "/incidents/{n}/".format(n=incident.number))
    assert "<script>window.__pwned=1</script>" in page.inner_text("body")
