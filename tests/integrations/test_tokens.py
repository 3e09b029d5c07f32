"""API tokens: created (secret shown once), stored hashed, listed with last use, revoked; each
scope enforced; Bearer authentication; UI for personal and integration tokens."""

import datetime as dt
import hashlib

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from integrations.models import ApiToken, TokenScope
from integrations.services import integration_create, token_authenticate, token_create
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db


def bearer(secret):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer " + secret)
    return client


def make_integration(manager, name="Prometheus", **extra):
    return integration_create(
        actor=manager,
        data={"name": name, "kind": "alertmanager", "default_service": ServiceFactory(), **extra},
    )


def test_created_through_the_api_shown_once_and_stored_hashed(agent, api_client):
    response = api_client(agent).post(
        "/api/v1/tokens/", {"name": "laptop", "scope": "read"}, format="json"
    )
    assert response.status_code == 201, response.json()
    secret = response.json()["token"]
    assert secret.startswith("dsk_")
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert secret not in (token.secret_hash, token.prefix)
    assert token.secret_hash == hashlib.sha256(secret.split("_", 2)[2].encode()).hexdigest()
    listed = api_client(agent).get("/api/v1/tokens/").json()["results"]
    assert [t["name"] for t in listed] == ["laptop"]
    assert "token" not in listed[0]
    assert listed[0]["last_used_at"] is None


def test_read_scope_reads_only(agent):
    _token, secret = token_create(actor=agent, name="r", scope=TokenScope.READ)
    assert bearer(secret).get("/api/v1/incidents/").status_code == 200
    response = bearer(secret).post("/api/v1/incidents/", {"title": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "token_scope"


def test_write_scope_writes_as_its_owner(agent):
    service = ServiceFactory()
    _token, secret = token_create(actor=agent, name="w", scope=TokenScope.WRITE)
    response = bearer(secret).post(
        "/api/v1/incidents/",
        {"title": "Printer on fire", "description": "Smoke", "service": service.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    from incidents.models import Incident

    assert Incident.objects.get(number=response.json()["number"]).opened_by == agent


def test_integration_scope_reaches_only_integration_endpoints(manager):
    integration = make_integration(manager)
    _token, secret = token_create(
        actor=manager, name="am", scope=TokenScope.INTEGRATION, integration=integration
    )
    response = bearer(secret).get("/api/v1/incidents/")
    assert response.status_code == 403
    assert "integration endpoints only" in response.json()["errors"][0]["detail"]


def test_bad_malformed_and_revoked_tokens_get_401(agent, api_client):
    token, secret = token_create(actor=agent, name="r", scope=TokenScope.READ)
    for header in ("Bearer nonsense", "Bearer dsk_abc_def", "Bearer " + secret + "x", "Bearer"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=header)
        response = client.get("/api/v1/incidents/")
        assert response.status_code == 401, header
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["type"] == "client_error"
    assert api_client(agent).delete("/api/v1/tokens/{pk}/".format(pk=token.pk)).status_code == 204
    assert bearer(secret).get("/api/v1/incidents/").status_code == 401
    listed = api_client(agent).get("/api/v1/tokens/").json()["results"]
    assert listed[0]["revoked_at"] is not None
    assert listed[0]["is_active"] is False


def test_last_use_is_written_at_most_once_a_minute(agent, django_assert_num_queries):
    token, secret = token_create(actor=agent, name="r", scope=TokenScope.READ)
    now = timezone.now()
    with django_assert_num_queries(2):  # lookup + the one update
        assert token_authenticate(raw=secret, now=now) == token
    with django_assert_num_queries(1):  # lookup only
        token_authenticate(raw=secret, now=now + dt.timedelta(seconds=30))
    with django_assert_num_queries(2):
        token_authenticate(raw=secret, now=now + dt.timedelta(seconds=61))
    token.refresh_from_db()
    assert token.last_used_at == now + dt.timedelta(seconds=61)
    assert bearer(secret).get("/api/v1/incidents/").status_code == 200


def test_personal_tokens_are_private_and_integration_tokens_need_a_manager(
    agent, manager, requester, api_client
):
    token, _secret = token_create(actor=agent, name="mine", scope=TokenScope.WRITE)
    assert api_client(requester).get("/api/v1/tokens/").json()["results"] == []
    assert (
        api_client(requester).delete("/api/v1/tokens/{pk}/".format(pk=token.pk)).status_code == 404
    )
    integration = make_integration(manager)
    refused = api_client(agent).post(
        "/api/v1/tokens/",
        {"name": "x", "scope": "integration", "integration": integration.pk},
        format="json",
    )
    assert refused.status_code == 403
    created = api_client(manager).post(
        "/api/v1/tokens/",
        {"name": "am", "scope": "integration", "integration": integration.pk},
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["user"] == integration.user.username
    bad = api_client(agent).post("/api/v1/tokens/", {"name": "x", "scope": "integration"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["attr"] == "scope"


def test_token_page_shows_the_secret_once_and_revokes(client, agent):
    client.force_login(agent)
    response = client.post("/account/tokens/", {"name": "cli <b>", "scope": "write"})
    assert response.status_code == 201
    token = ApiToken.objects.get(user=agent)
    secret = response.context["secret"]
    assert secret.encode() in response.content
    assert b"cli &lt;b&gt;" in response.content
    page = client.get("/account/tokens/")
    assert secret.encode() not in page.content
    assert token.prefix.encode() in page.content
    assert b"API tokens" in client.get("/").content  # the user menu link
    response = client.post("/account/tokens/{pk}/revoke/".format(pk=token.pk))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_page_refuses_empty_names(client, agent):
    client.force_login(agent)
    response = client.post("/account/tokens/", {"name": "  ", "scope": "write"})
    assert response.status_code == 422
    assert not ApiToken.objects.exists()


def test_someone_elses_token_cannot_be_revoked_in_the_ui(client, agent, requester):
    token, _secret = token_create(actor=agent, name="mine", scope=TokenScope.WRITE)
    client.force_login(requester)
    assert client.post("/account/tokens/{pk}/revoke/".format(pk=token.pk)).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_manager_registers_an_integration_and_issues_its_token(client, manager, agent):
    service = ServiceFactory()
    client.force_login(agent)
    assert client.get("/integrations/").status_code == 403
    client.force_login(manager)
    response = client.post(
        "/integrations/",
        {"name": "Prometheus", "kind": "alertmanager", "default_service": service.pk,
         "default_impact": 2, "default_urgency": 2, "resolve_incidents": "on", "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302, response.content
    detail = response["Location"]
    response = client.post(detail, {"action": "token", "name": "am-1", "scope": "integration"})
    assert response.status_code == 201
    secret = response.context["secret"]
    token = ApiToken.objects.get(name="am-1")
    assert token.integration.name == "Prometheus"
    assert token.user == token.integration.user
    assert secret.encode() in response.content
    assert secret.encode() not in client.get(detail).content
    listed = client.get("/integrations/")
    assert b"Prometheus" in listed.content
