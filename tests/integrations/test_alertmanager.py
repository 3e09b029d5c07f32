"""The Alertmanager webhook with the requests a real Alertmanager 0.25 sent (captured/), and
the generic JSON events endpoint: create, repeat, resolve by each alert's own status and key;
mapping rules; bad input answered with clear 4xx JSON; never a second incident."""

import copy
import json
import threading
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from core.models import TimelineKind
from incidents.models import Incident, IncidentComment
from integrations.models import AlertEvent, AlertRule, OpenAlert, TokenScope
from integrations.services import (
    AlertIn,
    alerts_pending,
    alerts_process,
    alerts_receive,
    integration_create,
    token_create,
)
from integrations.tasks import process_alerts, sweep_alerts
from tests.conftest import run_task
from tests.factories import ConfigurationItemFactory, ServiceFactory, SupportGroupFactory

CAPTURED = Path(__file__).resolve().parents[3] / "shared/data/webhooks/alertmanager-0.25/captured"
URL = "/api/v1/integrations/alertmanager/"
EVENTS = "/api/v1/integrations/events/"


def captured(n):
    return json.loads((CAPTURED / "{n:03d}.json".format(n=n)).read_text())["body"]


@pytest.fixture
def integration(manager):
    service = ServiceFactory(name="Monitoring", support_group=SupportGroupFactory())
    return integration_create(
        actor=manager,
        data={"name": "Prometheus", "kind": "alertmanager", "default_service": service},
    )


@pytest.fixture
def am(integration, manager):
    _token, secret = token_create(
        actor=manager, name="am", scope=TokenScope.INTEGRATION, integration=integration
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer " + secret)
    return client


def drain():
    """What the workers do after the answer: process every stored alert."""
    for integration_id, shard in alerts_pending():
        alerts_process(integration_id=integration_id, shard=shard)


def post(client, body, url=URL):
    response = client.post(url, json.dumps(body), content_type="application/json")
    if response.status_code == 202:
        drain()
    return response


def outcomes(response):
    assert response.status_code == 202, response.content
    ids = response.json()["ids"]
    events = {event.pk: event for event in AlertEvent.objects.filter(pk__in=ids)}
    return [(events[pk].key, events[pk].outcome) for pk in ids]


def notes(incident):
    return IncidentComment.objects.filter(incident=incident, kind=TimelineKind.WORK_NOTE)


@pytest.mark.django_db
def test_the_captured_alertmanager_run_end_to_end(am, integration):
    assert outcomes(post(am, captured(1))) == [("c80879f91637440a", "created")]
    disk = Incident.objects.get()
    assert disk.title == "DiskFull: Disk /var is 97% full"
    assert "Only 1.2 GiB left on /var" in disk.description
    assert "instance=mx1:9100" in disk.description
    assert disk.contact_channel == "monitoring"
    assert disk.caller == integration.user
    assert disk.service == integration.default_service

    assert outcomes(post(am, captured(2))) == [
        ("0fcd52b76d40d550", "created"),
        ("b7bd192293a569b5", "created"),
    ]
    api1 = Incident.objects.get(description__contains="instance=api-1:8080")
    description = api1.description
    # 003: the group is "firing", but api-1 is resolved: each alert by its own status
    assert outcomes(post(am, captured(3))) == [
        ("0fcd52b76d40d550", "resolved"),
        ("b7bd192293a569b5", "noted"),
    ]
    api1.refresh_from_db()
    assert api1.state == "resolved"
    assert api1.resolution_code == "other"
    assert "Alert resolved at 2026-11-24T10:17:15" in api1.resolution_notes
    assert api1.description == description  # the resolve message's empty fields blank nothing
    api2 = Incident.objects.get(description__contains="instance=api-2:8080")
    assert api2.state == "new"
    assert "repeat 1" in notes(api2).get().body

    assert outcomes(post(am, captured(4))) == [("b7bd192293a569b5", "resolved")]
    assert outcomes(post(am, captured(5))) == [("c80879f91637440a", "resolved")]
    assert Incident.objects.count() == 3
    assert set(Incident.objects.values_list("state", flat=True)) == {"resolved"}
    assert not OpenAlert.objects.exists()
    # a late duplicate of a resolve changes nothing
    assert outcomes(post(am, captured(5))) == [("c80879f91637440a", "ignored")]


@pytest.mark.django_db
def test_repeats_add_work_notes_never_a_second_incident(am):
    for _ in range(3):
        post(am, captured(2))
    assert Incident.objects.count() == 2
    for incident in Incident.objects.all():
        assert notes(incident).count() == 2


@pytest.mark.django_db
def test_a_later_message_without_a_url_keeps_the_stored_one(am):
    post(am, captured(2))
    repeat = captured(2)
    repeat["alerts"][0]["generatorURL"] = ""
    post(am, repeat)
    assert OpenAlert.objects.get(fingerprint="0fcd52b76d40d550").generator_url.startswith(
        "http://127.0.0.1:9090/graph"
    )


@pytest.mark.django_db
def test_resolving_can_leave_the_incident_to_people(am, integration):
    integration.resolve_incidents = False
    integration.save()
    post(am, captured(1))
    post(am, captured(5))
    incident = Incident.objects.get()
    assert incident.state == "new"
    assert "Alert resolved" in notes(incident).get().body
    assert not OpenAlert.objects.exists()


@pytest.mark.django_db
def test_an_incident_closed_by_people_while_firing_gets_a_successor(am, agent):
    from incidents.services import incident_transition

    post(am, captured(1))
    first = Incident.objects.get()
    incident_transition(
        actor=agent, incident=first.pk, name="cancel", expected_version=None,
        data={"cancel_reason": "noise"},
    )  # fmt: skip
    assert outcomes(post(am, captured(1))) == [("c80879f91637440a", "created")]
    assert Incident.objects.count() == 2


@pytest.mark.django_db
def test_mapping_rules_set_service_ci_impact_and_urgency(am, integration):
    payments = ServiceFactory(name="Payments")
    ci = ConfigurationItemFactory(name="api-1")
    AlertRule.objects.create(integration=integration, position=1, label="service",
                             pattern="payments", service=payments)  # fmt: skip
    AlertRule.objects.create(integration=integration, position=2, label="instance",
                             pattern=r"api-1:\d+", ci=ci)  # fmt: skip
    AlertRule.objects.create(integration=integration, position=3, label="severity",
                             pattern="warning", impact=2, urgency=1)  # fmt: skip
    AlertRule.objects.create(integration=integration, position=4, label="severity",
                             pattern="warn.*", impact=3, urgency=3)  # fmt: skip
    post(am, captured(2))
    api1 = Incident.objects.get(description__contains="instance=api-1:8080")
    api2 = Incident.objects.get(description__contains="instance=api-2:8080")
    assert api1.service == payments
    assert api2.service == payments
    assert list(api1.cis.all()) == [ci]
    assert list(api2.cis.all()) == []
    assert (api1.impact, api1.urgency, api1.priority) == (2, 1, 2)
    post(am, captured(1))  # no rule matches DiskFull's labels: the defaults, and it says so
    disk = Incident.objects.get(title__startswith="DiskFull")
    assert disk.service == integration.default_service
    assert "No mapping rule matched" in disk.description


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "status", "code", "attr"),
    [
        ("not json", 400, "parse_error", None),
        ("[1, 2]", 400, "invalid", "non_field_errors"),
        ('{"version": "3", "alerts": []}', 400, "unsupported_version", "version"),
        ('{"version": "4"}', 400, "required", "alerts"),
        ('{"version": "4", "alerts": [{"status": "firing"}]}', 400, "required",
         "alerts.0.fingerprint"),
        ('{"version": "4", "alerts": [{"status": "bad", "fingerprint": "x"}]}', 400,
         "invalid_choice", "alerts.0.status"),
    ],
)  # fmt: skip
def test_malformed_bodies_get_a_clear_4xx(am, body, status, code, attr):
    response = am.post(URL, body, content_type="application/json")
    assert response.status_code == status, response.content
    error = response.json()["errors"][0]
    assert error["code"] == code
    assert error["attr"] == attr
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_an_oversized_body_gets_413(am):
    body = captured(1)
    body["alerts"][0]["annotations"]["description"] = "x" * 1_100_000
    response = post(am, body)
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "payload_too_large"
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_tokens_other_than_the_integrations_are_refused(am, integration, agent, manager):
    anonymous = APIClient()
    response = post(anonymous, captured(1))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Bearer dsk_0123456789ab_wrong")
    assert post(bad, captured(1)).status_code == 401
    _token, personal = token_create(actor=agent, name="mine", scope=TokenScope.WRITE)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer " + personal)
    response = post(client, captured(1))
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "token_scope"
    session = APIClient()
    session.force_login(manager)
    assert post(session, captured(1)).status_code in (401, 403)
    integration.is_active = False
    integration.save()
    assert post(am, captured(1)).status_code == 401
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_over_the_rate_alertmanager_is_told_to_retry_not_to_drop(am, monkeypatch, throttle_cache):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "integration", "2/min")
    assert [post(am, captured(1)).status_code for _ in range(2)] == [202, 202]
    response = post(am, captured(1))
    assert response.status_code == 503  # Alertmanager retries 5xx; a 429 it would drop
    assert int(response["Retry-After"]) > 0
    assert response.json()["errors"][0]["code"] == "rate_limited_retry_later"


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_open_one_incident(manager):
    service = ServiceFactory(support_group=SupportGroupFactory())
    integration = integration_create(
        actor=manager, data={"name": "P", "kind": "alertmanager", "default_service": service}
    )
    alert = AlertIn(key="same-fingerprint", status="firing", labels={"alertname": "Dup"})
    barrier = threading.Barrier(6)
    errors = []

    def fire():
        try:
            barrier.wait()
            alerts_receive(integration=integration, alerts=[copy.deepcopy(alert)])
        except Exception as exc:  # pragma: no cover - shown in the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=fire) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    incident = Incident.objects.get()
    assert notes(incident).count() == 5
    assert OpenAlert.objects.get().repeats == 5


# --- the generic JSON events endpoint -------------------------------------------------------


@pytest.mark.django_db
def test_generic_events_create_dedupe_and_resolve(am, integration):
    event = {"key": "backup-nightly", "title": "Nightly backup failed", "labels": {"job": "b"},
             "description": "exit 3", "url": "https://ci.example/job/42"}  # fmt: skip
    assert outcomes(post(am, event, EVENTS)) == [("backup-nightly", "created")]
    assert outcomes(post(am, event, EVENTS)) == [("backup-nightly", "noted")]
    incident = Incident.objects.get()
    assert incident.title == "Nightly backup failed"
    assert "exit 3" in incident.description
    resolved = post(am, {"key": "backup-nightly", "status": "resolved"}, EVENTS)
    assert outcomes(resolved) == [("backup-nightly", "resolved")]
    incident.refresh_from_db()
    assert incident.state == "resolved"
    assert incident.title == "Nightly backup failed"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"key": "k"}, "title"),
        ({"key": "k", "title": "t", "colour": "red"}, "colour"),
        ({"title": "t"}, "key"),
        ({"key": "k", "title": "t", "status": "open"}, "status"),
    ],
)
def test_generic_events_refuse_bad_fields_by_name(am, body, attr):
    response = post(am, body, EVENTS)
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == attr
    assert not Incident.objects.exists()


def test_both_endpoints_are_documented_in_the_schema():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    event = schema["components"]["schemas"]["EventRequest"]
    assert {"key", "status", "title", "labels"} <= set(event["properties"])
    assert "post" in schema["paths"]["/api/v1/integrations/events/"]
    assert "post" in schema["paths"]["/api/v1/integrations/alertmanager/"]


@pytest.mark.django_db
def test_the_answer_comes_before_the_work_and_the_work_keeps_the_order(am):
    body = captured(1)
    resolved = captured(5)["alerts"][0]
    body["alerts"].append(resolved)  # fired and resolved in one message: in that order
    response = am.post(URL, json.dumps(body), content_type="application/json")
    assert response.status_code == 202
    assert response.json()["received"] == 2
    assert not Incident.objects.exists()  # nothing done yet: the workers do it
    ((integration_id, shard),) = alerts_pending()
    assert run_task(sweep_alerts) == 1
    assert run_task(process_alerts, integration_id=integration_id, shard=shard) == 2
    assert outcomes(response) == [
        ("c80879f91637440a", "created"),
        ("c80879f91637440a", "resolved"),
    ]
    assert Incident.objects.get().state == "resolved"
    assert alerts_pending() == []


@pytest.mark.django_db
def test_one_drainer_per_shard_at_a_time(am, integration):
    from django.core.cache import cache

    from integrations.services import alert_shard

    am.post(URL, json.dumps(captured(1)), content_type="application/json")
    shard = alert_shard("c80879f91637440a")
    lock = "alerts-drain-{i}-{s}".format(i=integration.pk, s=shard)
    cache.add(lock, 1, 60)  # another worker is draining this shard
    assert alerts_process(integration_id=integration.pk, shard=shard) == 0
    assert not Incident.objects.exists()
    cache.delete(lock)
    assert alerts_process(integration_id=integration.pk, shard=shard) == 1
    assert Incident.objects.count() == 1
