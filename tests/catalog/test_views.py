"""Catalog pages: who sees what, forms with field errors, lost-update protection, htmx."""

import pytest
from django.urls import reverse

from catalog.models import Service
from tests.factories import ServiceFactory, SupportGroupFactory

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


class TestAccess:
    def test_anonymous_is_sent_to_login(self, client):
        response = client.get(reverse("catalog:service_list"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_requester_gets_403_on_catalog_pages(self, client, requester):
        service = ServiceFactory()
        login(client, requester)
        assert client.get(reverse("catalog:service_list")).status_code == 403
        assert client.get(service.get_absolute_url()).status_code == 403

    def test_agent_reads_but_may_not_edit(self, client, agent):
        service = ServiceFactory()
        login(client, agent)
        page = client.get(service.get_absolute_url())
        assert page.status_code == 200
        assert reverse("catalog:service_edit", args=[service.pk]) not in page.text
        assert client.get(reverse("catalog:service_edit", args=[service.pk])).status_code == 403

    def test_unknown_id_is_404(self, client, agent):
        login(client, agent)
        assert client.get(reverse("catalog:service_detail", args=[99999])).status_code == 404


class TestServiceForm:
    def test_manager_creates_a_service(self, client, manager):
        group = SupportGroupFactory()
        login(client, manager)
        response = client.post(
            reverse("catalog:service_create"),
            {
                "name": "Payroll",
                "owner": manager.pk,
                "support_group": group.pk,
                "criticality": 1,
                "lifecycle": "live",
            },
        )
        service = Service.objects.get(name="Payroll")
        assert response.status_code == 302
        assert response["Location"] == service.get_absolute_url()

    def test_missing_fields_show_field_errors_and_save_nothing(self, client, manager):
        login(client, manager)
        response = client.post(reverse("catalog:service_create"), {"name": ""})
        assert response.status_code == 200
        assert set(response.context["form"].errors) >= {"name", "owner", "support_group"}
        assert not Service.objects.exists()

    def test_concurrent_edit_is_refused_with_409_and_keeps_the_other_change(self, client, manager):
        service = ServiceFactory(name="Original")
        login(client, manager)
        url = reverse("catalog:service_edit", args=[service.pk])
        form = {
            "owner": service.owner.pk,
            "support_group": service.support_group.pk,
            "criticality": 3,
            "lifecycle": "live",
            "version": 1,
        }
        assert client.post(url, {**form, "name": "First save"}).status_code == 302
        response = client.post(url, {**form, "name": "Second save"})
        assert response.status_code == 409
        assert "changed by someone else" in response.text
        service.refresh_from_db()
        assert (service.name, service.version) == ("First save", 2)


class TestLists:
    def test_htmx_request_gets_only_the_table(self, client, agent):
        ServiceFactory(name="Payroll")
        login(client, agent)
        response = client.get(reverse("catalog:service_list") + "?q=pay", HTTP_HX_REQUEST="true")
        assert "<html" not in response.text
        assert "Payroll" in response.text

    def test_search_and_sort(self, client, agent):
        ServiceFactory(name="Alpha", criticality=4)
        ServiceFactory(name="Beta", criticality=1)
        login(client, agent)
        response = client.get(reverse("catalog:service_list") + "?ordering=criticality")
        assert [s.name for s in response.context["object_list"]] == ["Beta", "Alpha"]

    def test_invalid_filter_shows_an_error_not_a_500(self, client, agent):
        login(client, agent)
        response = client.get(reverse("catalog:service_list") + "?criticality=99")
        assert response.status_code == 200
        assert response.context["filterset"].errors
