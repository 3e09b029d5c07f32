"""Idempotency-Key: replay, mismatch, bad keys, scoping, concurrency, purge."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.idempotency import idempotency_purge
from core.models import IdempotencyRecord
from incidents.models import Incident
from tests.factories import ServiceFactory, SupportGroupFactory

URL = "/api/v1/incidents/"


@pytest.fixture
def service(db):
    return ServiceFactory(name="Mail", support_group=SupportGroupFactory())


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.get_or_create(user=user)[0].key)
    return client


@pytest.mark.django_db
def test_same_key_same_body_replays_without_doing_the_work_again(agent, service):
    client = token_client(agent)
    body = {"title": "Mail down", "service": service.pk}
    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, second.status_code) == (201, 201)
    assert second["Idempotent-Replayed"] == "true"
    assert second.content == first.content
    assert second["Location"] == first["Location"]
    assert Incident.objects.count() == 1


@pytest.mark.django_db
def test_same_key_different_body_is_422(agent, service):
    client = token_client(agent)
    client.post(
        URL, {"title": "A", "service": service.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k-2"
    )
    response = client.post(
        URL, {"title": "B", "service": service.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k-2"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert Incident.objects.count() == 1


@pytest.mark.django_db
def test_failed_validation_is_not_stored_so_a_corrected_request_reuses_the_key(agent, service):
    client = token_client(agent)
    assert (
        client.post(URL, {"title": ""}, format="json", HTTP_IDEMPOTENCY_KEY="k-3").status_code
        == 400
    )
    ok = client.post(
        URL, {"title": "x", "service": service.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k-3"
    )
    assert ok.status_code == 201


@pytest.mark.django_db
def test_bad_keys_are_400(agent, service):
    client = token_client(agent)
    for key in ("", "x" * 256, "bad key with spaces"):
        response = client.post(
            URL, {"title": "x", "service": service.pk}, format="json", HTTP_IDEMPOTENCY_KEY=key
        )
        assert response.status_code == 400, key
    assert Incident.objects.count() == 0


@pytest.mark.django_db
def test_keys_are_scoped_per_client(agent, manager, service):
    body = {"title": "x", "service": service.pk}
    token_client(agent).post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    other = token_client(manager).post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert other.status_code == 201
    assert "Idempotent-Replayed" not in other
    assert Incident.objects.count() == 2


@pytest.mark.django_db
def test_purge_forgets_keys_after_24_hours(agent, service):
    token_client(agent).post(
        URL, {"title": "x", "service": service.pk}, format="json", HTTP_IDEMPOTENCY_KEY="old"
    )
    assert idempotency_purge(now=timezone.now() + dt.timedelta(hours=23)) == 0
    assert idempotency_purge(now=timezone.now() + dt.timedelta(hours=25)) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_do_the_work_once(agent, service):
    key = Token.objects.get_or_create(user=agent)[0].key
    statuses = []

    def send():
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION="Token " + key)
            response = client.post(
                URL,
                {"title": "Race", "service": service.pk},
                format="json",
                HTTP_IDEMPOTENCY_KEY="race",
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Incident.objects.count() == 1
    assert set(statuses) <= {201, 409}
    assert statuses.count(201) >= 1
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.django_db
def test_an_unknown_authorization_header_does_not_share_answers(client, agent, manager, service):
    body = {"title": "x", "service": service.pk}
    client.force_login(agent)
    client.post(
        URL,
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer null",
        HTTP_IDEMPOTENCY_KEY="same",
    )
    client.force_login(manager)
    second = client.post(
        URL,
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer null",
        HTTP_IDEMPOTENCY_KEY="same",
    )
    assert "Idempotent-Replayed" not in second
    assert Incident.objects.count() == 2


@pytest.mark.django_db
def test_a_server_error_leaves_nothing_so_a_retry_runs_afresh(agent, service, monkeypatch):
    from incidents.api import serializers

    client = token_client(agent)
    client.raise_request_exception = False
    original = serializers.IncidentOutputSerializer.to_representation

    def broken(self, instance):
        raise RuntimeError("serializer bug")

    monkeypatch.setattr(serializers.IncidentOutputSerializer, "to_representation", broken)
    failed = client.post(
        URL, {"title": "x", "service": service.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k5"
    )
    assert failed.status_code == 500
    assert Incident.objects.count() == 0  # rolled back
    monkeypatch.setattr(serializers.IncidentOutputSerializer, "to_representation", original)
    retried = client.post(
        URL, {"title": "x", "service": service.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k5"
    )
    assert retried.status_code == 201
    assert Incident.objects.count() == 1


@pytest.mark.django_db
def test_unbalanced_quotes_are_refused(agent, service):
    client = token_client(agent)
    for key in ('"abc', 'abc"'):
        response = client.post(
            URL, {"title": "x", "service": service.pk}, format="json", HTTP_IDEMPOTENCY_KEY=key
        )
        assert response.status_code == 400
    quoted = client.post(
        URL, {"title": "x", "service": service.pk}, format="json", HTTP_IDEMPOTENCY_KEY='"ok-1"'
    )
    assert quoted.status_code == 201
