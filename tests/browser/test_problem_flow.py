"""In Chromium: create a problem from an incident, publish a known error, and see it
suggested when a new incident is logged for the same service."""

import pytest
from playwright.sync_api import Page, expect

from incidents.services import incident_create
from problems.models import Problem
from tests.browser.test_incident_flow import login
from tests.conftest import make_user
from tests.factories import ServiceFactory, SupportGroupFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_problem_from_incident_becomes_a_known_error_suggested_on_new_incidents(
    live_server, page: Page
):
    agent = make_user("lena", "agent", last_name="Holm")
    group = SupportGroupFactory(name="Infrastructure")
    group.members.add(agent)
    service = ServiceFactory(name="File sharing", support_group=group)
    ServiceFactory(name="Payroll", support_group=group)
    incident = incident_create(
        actor=agent,
        data={"title": "Shared drive not mapped", "service": service, "category": "access"},
    )

    login(page, live_server.url, "lena")
    page.goto(live_server.url + incident.get_absolute_url())
    page.get_by_role("button", name="Create problem").click()
    expect(page.get_by_role("heading", name="Shared drive not mapped")).to_be_visible()
    expect(page.get_by_role("link", name=incident.number)).to_be_visible()

    page.get_by_role("button", name="Assess").click()
    page.locator("summary", has_text="Mark as known error").click()
    page.get_by_label("Workaround").fill("Reconnect the drive with `net use S: /persistent:yes`.")
    page.locator("form[action$='/transitions/mark_known_error/'] button[type=submit]").click()
    expect(page.locator(".record-head")).to_contain_text("Known error since")
    problem = Problem.objects.get()
    assert problem.known_error

    page.goto(live_server.url + "/incidents/new/")
    page.get_by_label("Service").select_option(label="Payroll")
    expect(page.locator(".form-hint")).not_to_contain_text(problem.number)
    page.get_by_label("Service").select_option(label="File sharing")
    hint = page.locator(".form-hint")
    expect(hint).to_contain_text(problem.number)
    expect(hint).to_contain_text("net use S:")
    page.screenshot(path="var/screenshots/known_error_hint.png", full_page=True)
