"""In Chromium: an agent logs an incident, assigns it, puts it on hold and resolves it; the
requester sees the resolution and confirms it."""

import re

import pytest
from playwright.sync_api import Page, expect

from incidents.models import Incident
from tests.conftest import make_user
from tests.factories import ServiceFactory, SupportGroupFactory, office_policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page: Page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw-" + username)
    page.get_by_role("button", name="Log in").click()


def test_agent_resolves_and_requester_confirms(live_server, page: Page, browser):
    agent = make_user("erik", "agent", last_name="Svensson")
    requester = make_user("anna", "requester", last_name="Ek")
    group = SupportGroupFactory(name="Service Desk")
    group.members.add(agent)
    ServiceFactory(name="E-mail", support_group=group, sla_policy=office_policy(always_on=True))

    # The agent logs an incident on the caller's behalf.
    login(page, live_server.url, "erik")
    page.get_by_role("link", name="Incidents", exact=True).click()
    page.get_by_role("link", name="New incident").click()
    page.get_by_label("Title").fill("Cannot send e-mail")
    page.get_by_label("Caller").select_option(label="anna")
    page.get_by_label("Service").select_option(label="E-mail")
    page.get_by_label("Impact").select_option("2")
    page.get_by_label("Urgency").select_option("1")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Cannot send e-mail")).to_be_visible()
    expect(page.get_by_text("P2 – High")).to_be_visible()

    # Assign it to himself by starting work, then put it on hold awaiting the caller.
    page.get_by_role("button", name="Start work").click()
    expect(page.locator(".record-head")).to_contain_text("In progress")
    page.locator("summary", has_text="Put on hold").click()
    page.get_by_label("On-hold reason").select_option("awaiting_caller")
    page.locator("form[action$='/transitions/hold/'] button[type=submit]").click()
    expect(page.locator(".record-head")).to_contain_text("Paused")

    page.get_by_role("button", name="Resume").click()
    page.locator("summary", has_text="Resolve").click()
    page.get_by_label("Resolution code").select_option("fixed")
    page.get_by_label("Resolution notes").fill("Cleared the **outbox** quota.")
    page.locator("form[action$='/transitions/resolve/'] button[type=submit]").click()
    expect(page.locator(".record-head")).to_contain_text("Resolved")
    incident = Incident.objects.get()
    assert incident.assignee == agent
    assert incident.state == "resolved"
    page.screenshot(path="var/screenshots/incident_resolved_agent.png", full_page=True)

    # The requester sees the resolution in the portal and confirms it.
    requester_page = browser.new_page()
    login(requester_page, live_server.url, "anna")
    requester_page.get_by_role("navigation").get_by_role("link", name="My requests").click()
    requester_page.get_by_role("link", name=incident.number).click()
    expect(requester_page.locator(".prose strong")).to_have_text("outbox")
    expect(requester_page.get_by_role("button", name="Start work")).to_have_count(0)
    requester_page.get_by_role("button", name="Confirm resolution").click()
    expect(requester_page.locator(".record-head")).to_contain_text("Closed")
    incident.refresh_from_db()
    assert incident.state == "closed"
    assert incident.caller == requester
    assert re.match(r"INC\d{7}", incident.number)
