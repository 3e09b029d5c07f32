"""Catalog CSV export and import: natural keys, idempotent, all or nothing, row-by-row report."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from catalog.choices import Role
from catalog.csv_format import cell_restore, cell_safe, csv_render
from catalog.models import ConfigurationItem, Service, SupportGroup
from catalog.selectors import catalog_export_rows
from catalog.services import catalog_import
from core.exceptions import PermissionDenied
from tests.conftest import make_user
from tests.factories import SlaPolicyFactory

pytestmark = pytest.mark.django_db

GROUPS = (
    "name,description,email,manager,members,is_active\r\n"
    "Network Operations,Routers and VPN,netops@example.com,maria,erik;sara,true\r\n"
    'Service Desk,"First line.\nPhones: 1234",desk@example.com,,sara,yes\r\n'
)
SERVICES = (
    "name,description,owner,support_group,criticality,sla_policy,lifecycle\r\n"
    'Network and VPN,=HYPERLINK("http://evil"),maria,Network Operations,1,Critical,live\r\n'
    "Workplace devices,Laptops,maria,Service Desk,3,,pipeline\r\n"
)
CIS = (
    "name,kind,description,services,is_active\r\n"
    "fw-01,network,Edge firewall,Network and VPN,true\r\n"
    "laptop-pool,other,-,Network and VPN;Workplace devices,false\r\n"
)


@pytest.fixture
def people(db):
    return {
        "admin": make_user("boss", Role.ADMINISTRATOR),
        "maria": make_user("maria", Role.MANAGER),
        "erik": make_user("erik", Role.AGENT),
        "sara": make_user("sara", Role.AGENT),
    }


@pytest.fixture
def policy(db):
    return SlaPolicyFactory(name="Critical")


def _import(people, kind, text, **kw):
    return catalog_import(actor=people["admin"], kind=kind, text=text, **kw)


def _snapshot():
    """Every row's version and the count of audit rows: what 'changes nothing' means."""
    return (
        sorted(SupportGroup.objects.values_list("name", "version")),
        sorted(Service.objects.values_list("name", "version")),
        sorted(ConfigurationItem.objects.values_list("name", "version")),
        SupportGroup.history.count(),
        Service.history.count(),
        ConfigurationItem.history.count(),
    )


def _full_catalog(people):
    for kind, text in (("groups", GROUPS), ("services", SERVICES), ("cis", CIS)):
        report = _import(people, kind, text)
        assert report.ok, report.problems


def test_import_creates_the_catalog_by_natural_keys(people, policy):
    report = _import(people, "groups", GROUPS)
    assert (report.ok, report.created, report.updated) == (True, 2, 0)
    _import(people, "services", SERVICES)
    _import(people, "cis", CIS)
    netops = SupportGroup.objects.get(name="Network Operations")
    assert netops.manager == people["maria"]
    assert set(netops.members.values_list("username", flat=True)) == {"erik", "sara"}
    desk = SupportGroup.objects.get(name="Service Desk")
    assert desk.description == "First line.\nPhones: 1234"
    assert desk.manager is None
    vpn = Service.objects.get(name="Network and VPN")
    assert (vpn.owner, vpn.support_group, vpn.criticality, vpn.sla_policy) == (
        people["maria"], netops, 1, policy,
    )  # fmt: skip
    assert vpn.description == '=HYPERLINK("http://evil")'  # stored as given, neutralised on export
    assert Service.objects.get(name="Workplace devices").lifecycle == "pipeline"
    pool = ConfigurationItem.objects.get(name="laptop-pool")
    assert (pool.kind, pool.is_active, pool.description) == ("other", False, "-")
    assert set(pool.services.values_list("name", flat=True)) == {
        "Network and VPN", "Workplace devices",
    }  # fmt: skip


def test_reimporting_the_same_files_changes_nothing(people, policy):
    _full_catalog(people)
    before = _snapshot()
    for kind, text, rows in (("groups", GROUPS, 2), ("services", SERVICES, 2), ("cis", CIS, 2)):
        report = _import(people, kind, text)
        assert (report.created, report.updated, report.unchanged) == (0, 0, rows)
    assert _snapshot() == before


def test_export_then_import_round_trips_unchanged(people, policy):
    _full_catalog(people)
    before = _snapshot()
    for kind in ("groups", "services", "cis"):
        exported = csv_render(
            next(
                csv.reader(io.StringIO({"groups": GROUPS, "services": SERVICES, "cis": CIS}[kind]))
            ),
            catalog_export_rows(kind=kind),
        )
        report = _import(people, kind, exported)
        assert report.ok, report.problems
        assert report.unchanged == 2, kind
    assert _snapshot() == before


def test_export_neutralises_formula_cells(people, policy, client):
    _full_catalog(people)
    client.force_login(people["erik"])
    response = client.get("/catalog/export/services.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="catalog-services.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "name",
        "description",
        "owner",
        "support_group",
        "criticality",
        "sla_policy",
        "lifecycle",
    ]
    assert rows[1] == [
        "Network and VPN",
        '\'=HYPERLINK("http://evil")',
        "maria",
        "Network Operations",
        "1",
        "Critical",
        "live",
    ]
    cis = list(csv.reader(io.StringIO(client.get("/catalog/export/cis.csv").content.decode())))
    assert cis[2] == ["laptop-pool", "other", "'-", "Network and VPN;Workplace devices", "false"]
    assert client.get("/catalog/export/nonsense.csv").status_code == 404


@pytest.mark.parametrize(
    "value",
    ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "plain", "", "'quoted", "'=", "'-1", "''=x"],
)
def test_neutralising_is_undone_on_import(value):
    assert cell_restore(cell_safe(value)) == value
    assert cell_safe(value)[:1] not in ("=", "+", "-", "@", "\t", "\r")


def test_a_value_starting_with_apostrophe_and_formula_character_round_trips(people, policy):
    _import(people, "groups", GROUPS)
    SupportGroup.objects.filter(name="Service Desk").update(description="'-1")
    text = csv_render(
        ["name", "description"],
        [(g.name, g.description) for g in SupportGroup.objects.order_by("name")],
    )
    assert _import(people, "groups", text).unchanged == 2
    assert SupportGroup.objects.get(name="Service Desk").description == "'-1"


def test_a_cell_over_the_csv_field_limit_is_a_row_problem_not_a_crash(people):
    text = "name,kind,description\r\nfw-01,network,ok\r\nfw-02,network," + "x" * 200_000
    report = _import(people, "cis", text + "\r\n")
    assert [(p.row, p.field) for p in report.problems] == [(3, "—")]
    assert not ConfigurationItem.objects.exists()


def test_an_unreadable_header_is_a_problem_on_row_1(people):
    report = _import(people, "cis", "x" * 200_000 + ",kind\r\nfw,network\r\n")
    assert [(p.row, p.field) for p in report.problems] == [(1, "header")]


def test_a_nul_character_in_a_cell_is_a_row_problem(people):
    report = _import(people, "cis", "name,kind,description\r\nfw-01,network,a\x00b\r\n")
    assert [(p.row, p.field) for p in report.problems] == [(2, "description")]
    assert not ConfigurationItem.objects.exists()


def test_the_upload_page_reports_a_nul_cell_and_an_oversized_cell(people, client):
    client.force_login(people["admin"])
    for body in (b"name,kind\r\nfw\x00,network\r\n", b"name,kind\r\n" + b"x" * 200_000):
        upload = SimpleUploadedFile("cis.csv", body, content_type="text/csv")
        response = client.post("/catalog/import/", {"kind": "cis", "file": upload})
        assert response.status_code == 422
    assert not ConfigurationItem.objects.exists()


def test_only_active_users_can_be_named(people, policy):
    make_user("gone", Role.MANAGER, is_active=False)
    _import(people, "groups", GROUPS)
    report = _import(
        people,
        "services",
        "name,owner,support_group\r\nPayroll,gone,Service Desk\r\n",
    )
    assert [(p.row, p.field) for p in report.problems] == [(2, "owner")]


def test_only_changed_rows_are_updated(people, policy):
    _full_catalog(people)
    changed = SERVICES.replace("Laptops", "Laptops and phones")
    report = _import(people, "services", changed)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    service = Service.objects.get(name="Workplace devices")
    assert (service.description, service.version) == ("Laptops and phones", 2)
    assert Service.objects.get(name="Network and VPN").version == 1


def test_a_file_with_some_columns_changes_only_those(people, policy):
    _full_catalog(people)
    report = _import(
        people, "cis", "name,kind,is_active\r\nfw-01,network,false\r\nnew-db,database,\r\n"
    )
    assert (report.created, report.updated) == (1, 1)
    fw = ConfigurationItem.objects.get(name="fw-01")
    assert (fw.is_active, fw.description) == (False, "Edge firewall")
    assert list(fw.services.values_list("name", flat=True)) == ["Network and VPN"]
    assert ConfigurationItem.objects.get(name="new-db").is_active


def test_problems_are_reported_row_by_row_and_nothing_is_saved(people, policy):
    _full_catalog(people)
    before = _snapshot()
    bad = (
        "name,description,owner,support_group,criticality,sla_policy,lifecycle\r\n"
        "Workplace devices,Changed,maria,Service Desk,3,,live\r\n"  # fine on its own
        "Payroll,,nobody,Service Desk,9,Gold,sunset\r\n"
        ",,maria,Service Desk,1,,live\r\n"
        "Workplace devices,Again,maria,Service Desk,3,,live\r\n"
        "ERP,,maria,Nowhere,2,,live,extra\r\n"
    )
    report = _import(people, "services", bad)
    assert not report.ok
    problems = {(p.row, p.field) for p in report.problems}
    assert {(3, "owner"), (3, "criticality"), (3, "sla_policy"), (3, "lifecycle")} <= problems
    assert (4, "name") in problems
    assert (5, "name") in problems  # the duplicate
    assert (6, "—") in problems  # more cells than the header
    assert any("nobody" in p.message for p in report.problems if p.row == 3)
    assert _snapshot() == before
    assert Service.objects.get(name="Workplace devices").description == "Laptops"


def test_model_validation_errors_name_the_row_and_field(people, policy):
    report = _import(people, "groups", "name,email\r\nOps,not-an-address\r\n" + "x" * 101 + ",\r\n")
    assert not report.ok
    assert {(p.row, p.field) for p in report.problems} == {(2, "email"), (3, "name")}
    assert not SupportGroup.objects.exists()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "nom,type\r\nfw,network\r\n",
        "name,description\r\nx,y\r\n",
        "name,kind,kind\r\nx,y,z\r\n",
    ],
)
def test_a_bad_header_is_one_problem_on_row_1(people, text):
    report = _import(people, "cis", text)
    assert [(p.row, p.field) for p in report.problems] == [(1, "header")]


def test_dry_run_saves_nothing(people, policy):
    report = _import(people, "groups", GROUPS, dry_run=True)
    assert (report.ok, report.created) == (True, 2)
    assert not SupportGroup.objects.exists()


def test_import_needs_the_rights_to_add_and_change(people):
    with pytest.raises(PermissionDenied):
        catalog_import(actor=people["erik"], kind="groups", text=GROUPS)


def test_the_upload_page_shows_the_report(people, policy, client):
    client.force_login(people["admin"])
    page = client.get("/catalog/import/")
    assert page.status_code == 200
    assert b"name, description, owner, support_group" in page.content
    response = client.post(
        "/catalog/import/",
        {"kind": "groups", "file": SimpleUploadedFile("g.csv", GROUPS.encode("utf-8-sig"))},
    )
    assert response.status_code == 200
    assert b"2 created, 0 updated, 0 unchanged" in response.content
    assert SupportGroup.objects.count() == 2
    bad = "name,email,manager\r\nOps,bad,<script>alert(1)</script>\r\n"
    response = client.post(
        "/catalog/import/", {"kind": "groups", "file": SimpleUploadedFile("g.csv", bad.encode())}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Nothing was imported" in html
    assert '<td class="num">2</td><td><code>manager</code></td>' in html
    assert "<script>alert(1)</script>" not in html  # escaped
    assert SupportGroup.objects.count() == 2
    response = client.post(
        "/catalog/import/",
        {"kind": "groups", "file": SimpleUploadedFile("g.csv", b"\xff\xfe\x00bad")},
    )
    assert response.status_code == 200
    assert "not UTF-8" in response.content.decode()


def test_the_upload_page_is_for_catalog_managers(people, client):
    client.force_login(people["erik"])
    assert client.get("/catalog/import/").status_code == 403
    assert client.post("/catalog/import/", {"kind": "groups"}).status_code == 403


def test_management_commands_export_and_import(people, policy, tmp_path):
    _full_catalog(people)
    path = tmp_path / "services.csv"
    call_command("catalog_export", "services", output=str(path))
    assert path.read_text().startswith("name,description,owner")
    out = io.StringIO()
    call_command("catalog_import", "services", str(path), actor="boss", stdout=out)
    assert "0 created, 0 updated, 2 unchanged" in out.getvalue()
    path.write_text(SERVICES.replace("maria", "ghost"))
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("catalog_import", "services", str(path), actor="boss", stderr=err)
    assert "row 2, owner" in err.getvalue()
    with pytest.raises(CommandError):
        call_command("catalog_import", "services", str(path), actor="erik")
