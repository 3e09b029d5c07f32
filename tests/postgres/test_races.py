"""Races on PostgreSQL with real threads, each on its own database connection.

20 PATCHes of one incident with the same If-Match: exactly one wins, 19 get 412, the record
is the winner's edit and its history holds one change. 20 transitions racing from one state
with the same If-Match: one wins, the state is the winner's.
"""

import threading

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from incidents.services import incident_create, incident_transition
from tests.factories import ServiceFactory, SupportGroupFactory

pytestmark = pytest.mark.postgres
WRITERS = 20


def race(requests):
    """Run each (callable) in its own thread, all released at once; return their results."""
    barrier = threading.Barrier(len(requests))
    results = [None] * len(requests)

    def run(index, request):
        try:
            barrier.wait(timeout=30)
            results[index] = request()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def token_client(user):
    key = Token.objects.get_or_create(user=user)[0].key

    def build():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Token " + key)
        return client

    return build


@pytest.fixture
def incident(postgresql, agent):
    group = SupportGroupFactory()
    group.members.add(agent)
    service = ServiceFactory(support_group=group)
    return incident_create(actor=agent, data={"title": "Race", "service": service})


def test_twenty_patches_with_one_etag_exactly_one_wins(incident, agent):
    client = token_client(agent)
    etag = '"inc-{pk}-v{v}"'.format(pk=incident.pk, v=incident.version)
    url = "/api/v1/incidents/{n}/".format(n=incident.number)

    def writer(n):
        def request():
            response = client().patch(
                url, {"title": "Writer {n}".format(n=n)}, format="json", HTTP_IF_MATCH=etag
            )
            return n, response.status_code, response.json()

        return request

    results = race([writer(n) for n in range(WRITERS)])
    statuses = sorted(status for _n, status, _body in results)
    assert statuses == [200] + [412] * (WRITERS - 1)
    (winner,) = [n for n, status, _body in results if status == 200]
    for _n, status, body in results:
        if status == 412:
            assert body["errors"][0]["code"] == "version_conflict"
    incident.refresh_from_db()
    assert incident.title == "Writer {n}".format(n=winner)
    assert incident.version == 2
    history = list(incident.history.order_by("history_date").values_list("title", flat=True))
    assert history == ["Race", "Writer {n}".format(n=winner)]  # created, then one change


def test_twenty_transitions_racing_one_wins(incident, agent):
    incident = incident_transition(
        actor=agent, incident=incident.pk, name="start", expected_version=incident.version
    )
    client = token_client(agent)
    etag = '"inc-{pk}-v{v}"'.format(pk=incident.pk, v=incident.version)
    url = "/api/v1/incidents/{n}/transitions/{{name}}/".format(n=incident.number)
    bodies = {
        "resolve": {"resolution_code": "fixed", "resolution_notes": "Restarted."},
        "hold": {"hold_reason": "awaiting_vendor"},
        "cancel": {"cancel_reason": "Duplicate."},
    }
    names = [list(bodies)[n % len(bodies)] for n in range(WRITERS)]

    def mover(name):
        def request():
            response = client().post(
                url.format(name=name), bodies[name], format="json", HTTP_IF_MATCH=etag
            )
            return name, response.status_code

        return request

    results = race([mover(name) for name in names])
    statuses = sorted(status for _name, status in results)
    assert statuses == [200] + [412] * (WRITERS - 1), results
    (winner,) = [name for name, status in results if status == 200]
    incident.refresh_from_db()
    assert (
        incident.state == {"resolve": "resolved", "hold": "on_hold", "cancel": "cancelled"}[winner]
    )
    assert incident.version == 3  # created, started, one transition
    states = list(incident.history.order_by("history_date").values_list("state", flat=True))
    assert states == ["new", "in_progress", incident.state]
