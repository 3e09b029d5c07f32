"""Managers configure an integration in the UI: label mapping rules (validated), settings."""

import pytest

from integrations.models import AlertRule
from integrations.services import integration_create
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def integration(manager):
    return integration_create(
        actor=manager,
        data={"name": "Prometheus", "kind": "alertmanager", "default_service": ServiceFactory()},
    )


def test_manager_adds_and_removes_mapping_rules(client, manager, integration):
    payments = ServiceFactory(name="Payments")
    url = "/integrations/{pk}/".format(pk=integration.pk)
    client.force_login(manager)
    page = client.get(url)
    assert page.status_code == 200
    assert b"/api/v1/integrations/alertmanager/" in page.content
    bad = client.post(url, {"action": "rule", "position": 1, "label": "service", "pattern": "("})
    assert bad.status_code == 422
    assert "Not a valid regular expression" in bad.content.decode()
    empty = client.post(url, {"action": "rule", "position": 1, "label": "service", "pattern": "x"})
    assert empty.status_code == 422
    assert not AlertRule.objects.exists()
    ok = client.post(
        url,
        {"action": "rule", "position": 1, "label": "service", "pattern": "pay.*",
         "service": payments.pk, "urgency": 1},
    )  # fmt: skip
    assert ok.status_code == 302
    rule = AlertRule.objects.get()
    assert (rule.service, rule.urgency, rule.impact) == (payments, 1, None)
    assert b"pay.*" in client.get(url).content
    client.post(url, {"action": "delete_rule", "rule": rule.pk})
    assert not AlertRule.objects.exists()


def test_manager_changes_settings(client, manager, integration):
    url = "/integrations/{pk}/".format(pk=integration.pk)
    client.force_login(manager)
    response = client.post(
        url,
        {"action": "settings", "name": "Prom <prod>", "kind": "alertmanager",
         "default_service": integration.default_service.pk, "default_impact": 1,
         "default_urgency": 2, "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    integration.refresh_from_db()
    assert integration.name == "Prom <prod>"
    assert integration.resolve_incidents is False
    assert integration.default_impact == 1
    assert b"Prom &lt;prod&gt;" in client.get("/integrations/").content


def test_agents_cannot_configure_integrations(client, agent, integration):
    client.force_login(agent)
    url = "/integrations/{pk}/".format(pk=integration.pk)
    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "delete_rule", "rule": 1}).status_code == 403


def test_the_page_shows_the_latest_alerts_and_old_ones_are_forgotten(client, manager, integration):
    import datetime as dt

    from django.utils import timezone

    from incidents.models import Incident
    from integrations.models import AlertEvent
    from integrations.services import (
        AlertIn,
        alert_events_purge,
        alert_shard,
        alerts_process,
        alerts_store,
    )

    alerts_store(
        integration=integration,
        alerts=[AlertIn(key="disk-<full>", status="firing", labels={"alertname": "Disk"})],
    )
    alerts_process(integration_id=integration.pk, shard=alert_shard("disk-<full>"))
    number = Incident.objects.get().number
    client.force_login(manager)
    page = client.get("/integrations/{pk}/".format(pk=integration.pk)).content.decode()
    assert "disk-&lt;full&gt;" in page
    assert number in page
    AlertEvent.objects.update(received_at=timezone.now() - dt.timedelta(days=8))
    assert alert_events_purge() == 1
    assert not AlertEvent.objects.exists()


def test_admin_lists_integrations_tokens_and_alerts(client, administrator):
    administrator.is_superuser = True
    administrator.save()
    client.force_login(administrator)
    for url in ("/admin/integrations/integration/", "/admin/integrations/apitoken/",
                "/admin/integrations/alertevent/"):  # fmt: skip
        assert client.get(url).status_code == 200, url
