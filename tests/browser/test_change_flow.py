"""In Chromium: raise a normal change, approve it as a CAB member, see it on the calendar,
implement and review it."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from changes.models import Change
from tests.browser.test_incident_flow import login
from tests.conftest import make_user
from tests.factories import ServiceFactory, SupportGroupFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_normal_change_through_cab_calendar_and_review(live_server, page: Page, browser):
    lena = make_user("lena", "agent", last_name="Holm")
    karl = make_user("karl", "change_approver", last_name="Berg")
    group = SupportGroupFactory(name="Infrastructure")
    group.members.add(lena)
    cab = SupportGroupFactory(name="CAB")
    cab.members.add(karl)
    ServiceFactory(name="Payroll", support_group=group)
    start = (timezone.localtime() + dt.timedelta(days=2)).replace(
        hour=20, minute=0, second=0, microsecond=0
    )

    login(page, live_server.url, "lena")
    page.goto(live_server.url + "/changes/new/")
    page.get_by_label("Title").fill("Patch payroll servers")
    page.get_by_label("Service", exact=True).select_option(label="Payroll")
    page.get_by_label("Impact").select_option("2")
    page.get_by_label("Likelihood of failure").select_option("3")
    page.get_by_label("Implementation plan").fill("Apply the OS patches.")
    page.get_by_label("Backout plan").fill("Restore the snapshot.")
    page.get_by_label("Test plan").fill("Run a test payroll.")
    page.get_by_label("Planned start").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Planned end").fill(
        (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_label("Approver group (CAB)").select_option(label="CAB")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Patch payroll servers")).to_be_visible()
    expect(page.locator(".record-head")).to_contain_text("Risk: Low")
    page.get_by_role("button", name="Submit for assessment").click()
    page.get_by_role("button", name="Request approval").click()
    expect(page.locator(".record-head")).to_contain_text("Authorisation")
    number = Change.objects.get().number

    cab_page = browser.new_page()
    login(cab_page, live_server.url, "karl")
    cab_page.goto(live_server.url + "/changes/approvals/")
    cab_page.get_by_role("link", name=number).click()
    cab_page.get_by_label("Comment").fill("Fine, announce it to Finance.")
    cab_page.get_by_role("button", name="Approve").click()
    expect(cab_page.locator(".message-success")).to_be_visible()

    page.reload()
    page.locator("summary", has_text="Schedule").click()
    page.locator("form[action$='/transitions/schedule/'] button[type=submit]").click()
    expect(page.locator(".record-head")).to_contain_text("Scheduled")
    page.goto(
        live_server.url
        + "/changes/calendar/?year={y}&month={m}".format(y=start.year, m=start.month)
    )
    expect(page.locator(".calendar")).to_contain_text(number)
    page.get_by_role("link", name=number).first.click()
    page.get_by_role("button", name="Start implementation").click()
    page.locator("summary", has_text="Record outcome").click()
    page.get_by_label("Outcome").select_option("successful")
    page.locator("form[action$='/transitions/review/'] button[type=submit]").click()
    page.locator("summary", has_text="Close").click()
    page.locator("form[action$='/transitions/close/'] button[type=submit]").click()
    expect(page.locator(".record-head")).to_contain_text("Closed")
    change = Change.objects.get()
    assert (change.state, change.outcome) == ("closed", "successful")
    assert change.approvals.get().approver == karl
    page.screenshot(path="var/screenshots/change_closed.png", full_page=True)
