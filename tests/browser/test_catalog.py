"""In Chromium: log in, switch to Swedish, open the catalog and create a service."""

import re

import pytest
from playwright.sync_api import Page, expect

from catalog.models import Service
from tests.conftest import make_user
from tests.factories import SupportGroupFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_logs_in_switches_to_swedish_and_creates_a_service(live_server, page: Page):
    manager = make_user("maria", "manager", last_name="Lindqvist")
    SupportGroupFactory(name="Service Desk", manager=manager)

    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill("pw-maria")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Welcome, Maria")).to_be_visible()

    page.get_by_label("Language").select_option("sv")
    expect(page.get_by_role("heading", name="Välkommen, Maria")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "sv")

    page.get_by_role("link", name="Katalog", exact=True).click()
    expect(page.get_by_role("heading", name="Tjänster", exact=True)).to_be_visible()
    page.get_by_role("link", name="Ny tjänst").click()

    # Submitting an empty form shows field errors and saves nothing.
    page.get_by_role("button", name="Spara").click()
    expect(page.locator(".field.has-error").first).to_be_visible()
    assert not Service.objects.exists()

    page.get_by_label("Namn").fill("Löner <script>alert(1)</script>")
    page.get_by_label("Ägare").select_option(label="maria")
    page.get_by_label("Supportgrupp").select_option(label="Service Desk")
    page.get_by_label("Kritikalitet").select_option("1")
    page.get_by_role("button", name="Spara").click()

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Löner <script>alert(1)</script>")  # shown as text
    expect(page.locator(".message-success")).to_be_visible()
    service = Service.objects.get()
    assert service.criticality == 1
    assert service.history.get().history_user == manager
    page.screenshot(path=str(live_server_screenshot_dir() / "service_created_sv.png"))


def live_server_screenshot_dir():
    from django.conf import settings

    path = settings.VAR_DIR / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
