"""The UI shell: login, log-in throttling, language switch, home per role, API docs."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_page_and_successful_login(client, agent):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in page.text
    response = client.post(reverse("login"), {"username": "agent", "password": "pw-agent"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_wrong_password_shows_an_error(client, agent):
    response = client.post(reverse("login"), {"username": "agent", "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_repeated_failures_lock_the_login_with_a_clear_message(client, agent, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("login"), {"username": "agent", "password": "nope"})
    response = client.post(reverse("login"), {"username": "agent", "password": "pw-agent"})
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.text


def test_language_switch_to_swedish(client, agent):
    client.force_login(agent)
    response = client.post(reverse("set_language"), {"language": "sv", "next": "/"})
    assert response.status_code == 302
    home = client.get("/")
    assert '<html lang="sv">' in home.text
    assert "Välkommen" in home.text
    assert "Katalog" in home.text


def test_swedish_from_the_browser_accept_language(client, agent):
    client.force_login(agent)
    assert "Välkommen" in client.get("/", HTTP_ACCEPT_LANGUAGE="sv-SE,sv;q=0.9").text


def test_staff_home_shows_catalog_figures(client, agent):
    from tests.factories import ServiceFactory

    ServiceFactory()
    client.force_login(agent)
    response = client.get("/")
    assert response.context["summary"]["services"] == 1


def test_requester_home_has_no_staff_navigation(client, requester):
    client.force_login(requester)
    response = client.get("/")
    assert response.status_code == 200
    assert reverse("catalog:service_list") not in response.text


def test_logout_requires_post(client, agent):
    client.force_login(agent)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302


def test_security_headers(client, agent):
    client.force_login(agent)
    response = client.get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_openapi_schema_and_docs_are_served_from_our_own_files(client, agent):
    client.force_login(agent)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    spec = schema.json()
    assert "/api/v1/services/" in spec["paths"]
    patch = spec["paths"]["/api/v1/services/{id}/"]["patch"]
    assert {"200", "400", "403", "404", "412", "428"} <= set(patch["responses"])
    assert patch["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ServiceOutput"
    )
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert "cdn" not in docs.text.lower()
    assert "/static/drf_spectacular_sidecar/" in docs.text


def test_unknown_page_is_a_friendly_404(client, agent):
    client.force_login(agent)
    response = client.get("/no/such/page/")
    assert response.status_code == 404


def test_me_answers_who_is_logged_in(client, agent):
    assert client.get("/accounts/me/").status_code == 401
    client.force_login(agent)
    assert client.get("/accounts/me/").json() == {"username": "agent", "roles": ["agent"]}
