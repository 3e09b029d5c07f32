"""The KPIs over the real ServiceNow event log agree with an independent computation of the
same definitions straight from the CSV (standard library only)."""

import csv
import datetime as dt
from collections import defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from pdca.kpis import kpi_compute

pytestmark = pytest.mark.django_db
SAMPLE = (
    Path(__file__).resolve().parents[3]
    / "shared/data/uci-incident-event-log/sample_first_500_incidents.csv"
)
TZ = ZoneInfo("Europe/Stockholm")
START = dt.datetime(2016, 3, 1, tzinfo=TZ)
END = dt.datetime(2016, 3, 15, tzinfo=TZ)
STATES = {
    "New",
    "Active",
    "Awaiting User Info",
    "Awaiting Vendor",
    "Awaiting Problem",
    "Awaiting Evidence",
    "Resolved",
    "Closed",
}


def parse(text):
    return None if text == "?" else dt.datetime.strptime(text, "%d/%m/%Y %H:%M").replace(tzinfo=TZ)


def incidents_from_csv():
    """Each incident as of its last valid event (the log's own definition of the record)."""
    rows = defaultdict(list)
    with SAMPLE.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["incident_state"] in STATES:
                rows[row["number"]].append(row)
    result = []
    for events in rows.values():
        last = max(events, key=lambda r: (int(r["sys_mod_count"]), parse(r["sys_updated_at"])))
        opened, updated = parse(last["opened_at"]), parse(last["sys_updated_at"])
        resolved = (
            parse(last["resolved_at"]) if last["incident_state"] in ("Resolved", "Closed") else None
        )
        if resolved is not None:
            resolved = max(min(resolved, updated), opened)
        closed = parse(last["closed_at"]) if last["incident_state"] == "Closed" else None
        if closed is not None:
            closed = min(closed, updated)
        result.append(
            {
                "opened": opened,
                "resolved": resolved,
                "closed": closed,
                "reopens": int(last["reopen_count"]),
            }
        )
    return result


@pytest.fixture(scope="module")
def expected():
    incidents = incidents_from_csv()
    resolved = [i for i in incidents if i["resolved"] and START <= i["resolved"] < END]
    mttr = (
        sum((i["resolved"] - i["opened"]).total_seconds() for i in resolved) / len(resolved) / 3600
    )
    reopen = 100 * sum(1 for i in resolved if i["reopens"] > 0) / len(resolved)
    backlog = sum(
        1
        for i in incidents
        if i["opened"] < END
        and (i["resolved"] is None or i["resolved"] >= END)
        and (i["closed"] is None or i["closed"] >= END)
    )
    return {
        "n": len(resolved),
        "mttr": round(mttr, 2),
        "reopen": round(reopen, 2),
        "backlog": backlog,
    }


def test_kpis_match_the_csv(expected, settings):
    settings.TIME_ZONE = "Europe/Stockholm"
    call_command("import_incident_log", str(SAMPLE), verbosity=0, time_zone="Europe/Stockholm")
    mttr = kpi_compute("mttr_hours", start=START, end=END)
    assert (mttr.value, mttr.sample) == (expected["mttr"], expected["n"])
    assert kpi_compute("reopen_rate", start=START, end=END).value == expected["reopen"]
    assert kpi_compute("backlog", start=START, end=END).value == expected["backlog"]
    assert expected["n"] > 50  # the period really holds data
