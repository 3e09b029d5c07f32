"""Catalog API: permissions, errors in one JSON format, ETag / If-Match."""

import pytest

from catalog.models import Service
from tests.factories import ServiceFactory, SupportGroupFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/services/"


def detail(pk):
    return "{url}{pk}/".format(url=URL, pk=pk)


class TestPermissions:
    def test_anonymous_gets_401_json(self, api_client):
        response = api_client().get(URL)
        assert response.status_code == 401
        assert response.json()["errors"][0]["code"] == "not_authenticated"

    def test_requester_may_not_list_the_catalog(self, api_client, requester):
        response = api_client(requester).get(URL)
        assert response.status_code == 403
        assert response.json()["type"] == "client_error"

    def test_agent_reads_but_may_not_create(self, api_client, agent):
        ServiceFactory()
        client = api_client(agent)
        assert client.get(URL).status_code == 200
        assert client.post(URL, {"name": "X"}, format="json").status_code == 403

    def test_token_authentication(self, client, agent):
        from rest_framework.authtoken.models import Token

        token = Token.objects.create(user=agent)
        response = client.get(URL, HTTP_AUTHORIZATION="Token " + token.key)
        assert response.status_code == 200


class TestCreate:
    def test_manager_creates_a_service(self, api_client, manager):
        group = SupportGroupFactory()
        response = api_client(manager).post(
            URL,
            {"name": "Payroll", "owner": manager.pk, "support_group": group.pk, "criticality": 1},
            format="json",
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["version"] == 1
        assert body["support_group"] == {"id": group.pk, "name": group.name}
        assert response["ETag"] == '"svc-{pk}-v1"'.format(pk=body["id"])
        assert response["Location"].endswith(detail(body["id"]))

    def test_validation_errors_name_the_field(self, api_client, manager):
        response = api_client(manager).post(URL, {"name": 0, "criticality": 7}, format="json")
        assert response.status_code == 400
        body = response.json()
        assert body["type"] == "validation_error"
        attrs = {e["attr"] for e in body["errors"]}
        assert {"name", "criticality", "owner", "support_group"} <= attrs
        assert not Service.objects.exists()

    def test_malformed_json_is_400(self, api_client, manager):
        response = api_client(manager).post(URL, "{not json", content_type="application/json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "parse_error"


class TestConditionalUpdate:
    def test_get_returns_etag(self, api_client, agent):
        service = ServiceFactory()
        response = api_client(agent).get(detail(service.pk))
        assert response["ETag"] == '"svc-{pk}-v1"'.format(pk=service.pk)

    def test_patch_without_if_match_is_428(self, api_client, manager):
        service = ServiceFactory()
        response = api_client(manager).patch(detail(service.pk), {"criticality": 1}, format="json")
        assert response.status_code == 428
        assert response.json()["errors"][0]["code"] == "precondition_required"

    def test_patch_with_current_tag_succeeds_and_returns_new_tag(self, api_client, manager):
        service = ServiceFactory()
        response = api_client(manager).patch(
            detail(service.pk),
            {"criticality": 1},
            format="json",
            HTTP_IF_MATCH='"svc-{pk}-v1"'.format(pk=service.pk),
        )
        assert response.status_code == 200
        assert response.json()["criticality"] == 1
        assert response["ETag"] == '"svc-{pk}-v2"'.format(pk=service.pk)

    def test_stale_tag_is_412_with_the_current_representation(self, api_client, manager):
        service = ServiceFactory(name="Now")
        client = api_client(manager)
        tag = '"svc-{pk}-v1"'.format(pk=service.pk)
        assert (
            client.patch(detail(service.pk), {"criticality": 1}, HTTP_IF_MATCH=tag).status_code
            == 200
        )
        response = client.patch(detail(service.pk), {"name": "Lost"}, HTTP_IF_MATCH=tag)
        assert response.status_code == 412
        body = response.json()
        assert body["errors"][0]["code"] == "version_conflict"
        assert body["current"]["version"] == 2
        assert response["ETag"] == '"svc-{pk}-v2"'.format(pk=service.pk)
        service.refresh_from_db()
        assert service.name == "Now"

    def test_version_in_body_is_a_fallback(self, api_client, manager):
        service = ServiceFactory()
        response = api_client(manager).patch(
            detail(service.pk), {"criticality": 2, "version": 1}, format="json"
        )
        assert response.status_code == 200

    def test_put_and_delete_are_405(self, api_client, administrator):
        service = ServiceFactory()
        client = api_client(administrator)
        assert client.put(detail(service.pk), {}).status_code == 405
        assert client.delete(detail(service.pk)).status_code == 405


class TestErrors:
    def test_unknown_id_is_json_404(self, api_client, agent):
        response = api_client(agent).get(detail(424242))
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "not_found"

    def test_unknown_api_path_is_json_404(self, api_client, agent):
        response = api_client(agent).post("/api/v1/nothing-here/", {})
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"

    @pytest.mark.parametrize(
        "query", ["criticality=9", "support_group=abc", "lifecycle=x' OR 1=1--"]
    )
    def test_bad_filter_values_are_400_not_500(self, api_client, agent, query):
        response = api_client(agent).get(URL + "?" + query)
        assert response.status_code == 400


class TestLists:
    def test_filter_and_search_shared_with_the_ui(self, api_client, agent):
        ServiceFactory(name="Payroll", criticality=1)
        ServiceFactory(name="Printing", criticality=4)
        client = api_client(agent)
        names = [s["name"] for s in client.get(URL + "?criticality=1").json()["results"]]
        assert names == ["Payroll"]
        names = [s["name"] for s in client.get(URL + "?q=print").json()["results"]]
        assert names == ["Printing"]
