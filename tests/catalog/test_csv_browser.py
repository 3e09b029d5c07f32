"""In Chromium: export the catalog, upload a broken CSV, read the row report, fix, import."""

import re

import pytest
from playwright.sync_api import Page, expect

from catalog.models import Service
from tests.conftest import make_user
from tests.factories import SupportGroupFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_imports_services_and_reads_the_row_report(
    live_server, page: Page, tmp_path
):
    make_user("boss", "administrator")
    make_user("maria", "manager")
    SupportGroupFactory(name="Service Desk")
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill("pw-boss")
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.url + "/catalog/services/")

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    assert download.value.suggested_filename == "catalog-services.csv"

    page.get_by_role("link", name="Import CSV").click()
    expect(page.get_by_role("heading", name="Import the catalog from CSV")).to_be_visible()
    broken = tmp_path / "services.csv"
    broken.write_text(
        "name,owner,support_group,criticality\n"
        "Payroll,maria,Service Desk,1\n"
        "ERP,ghost,Service Desk,7\n"
    )
    page.get_by_label("What the file holds").select_option("services")
    page.get_by_label("CSV file").set_input_files(str(broken))
    page.get_by_role("button", name="Import").click()
    report = page.locator("#import-report")
    expect(report.get_by_role("heading", name="Nothing was imported")).to_be_visible()
    expect(report.locator("tbody tr")).to_have_count(2)
    expect(report.locator("tbody tr").first).to_contain_text(
        re.compile(r"3\s*owner\s*No user named 'ghost'")
    )
    assert not Service.objects.exists()

    broken.write_text("name,owner,support_group,criticality\nPayroll,maria,Service Desk,1\n")
    page.get_by_label("What the file holds").select_option("services")
    page.get_by_label("CSV file").set_input_files(str(broken))
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#import-report")).to_contain_text("1 created, 0 updated, 0 unchanged")
    assert Service.objects.get().name == "Payroll"
