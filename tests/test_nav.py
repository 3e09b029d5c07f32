"""The top bar's main navigation ({% main_nav %}): each role sees the links it may follow,
the current section is marked, and the labels follow the language."""

import re

import pytest

pytestmark = pytest.mark.django_db


def links(page: str) -> list[tuple[str, bool]]:
    nav = re.search(r'<nav aria-label="[^"]+"><ul class="nav">(.*?)</ul></nav>', page).group(1)
    return [
        (label, current == ' aria-current="page"')
        for _href, current, label in re.findall(r'<a href="([^"]+)"([^>]*)>([^<]+)</a>', nav)
    ]


def test_each_role_sees_the_links_it_may_follow(client, requester, agent, administrator):
    client.force_login(requester)
    assert [label for label, _ in links(client.get("/").text)] == ["Home", "My requests"]
    client.force_login(agent)
    seen = [label for label, _ in links(client.get("/").text)]
    assert seen[:4] == ["Home", "Incidents", "Problems", "Changes"]
    assert "My requests" in seen
    assert "Admin" not in seen
    client.force_login(administrator)
    assert "Admin" in [label for label, _ in links(client.get("/").text)]


def test_a_permission_granted_shows_its_link_on_the_next_request(client, requester):
    from django.contrib.auth.models import Permission

    client.force_login(requester)
    assert "Catalog" not in [label for label, _ in links(client.get("/").text)]
    requester.user_permissions.add(Permission.objects.get(codename="view_service"))
    assert "Catalog" in [label for label, _ in links(client.get("/").text)]


def test_the_current_section_is_marked(client, agent):
    client.force_login(agent)
    assert [label for label, cur in links(client.get("/incidents/").text) if cur] == ["Incidents"]
    assert [label for label, cur in links(client.get("/portal/").text) if cur] == ["My requests"]
    assert [label for label, cur in links(client.get("/").text) if cur] == ["Home"]


def test_the_links_follow_the_language(client, agent):
    client.force_login(agent)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="sv").text
    assert '<nav aria-label="Huvudmeny">' in page
    assert ("Incidenter", False) in links(page)
    assert ("Incidents", False) in links(client.get("/").text)
