"""No lost updates: concurrent PATCHes with the same If-Match — exactly one wins."""

import threading

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from incidents.services import incident_create
from tests.factories import ServiceFactory, SupportGroupFactory


@pytest.mark.django_db(transaction=True)
def test_concurrent_patches_with_one_etag_one_wins_the_rest_get_412(agent):
    service = ServiceFactory(support_group=SupportGroupFactory())
    incident = incident_create(actor=agent, data={"title": "Race", "service": service})
    key = Token.objects.create(user=agent).key
    etag = '"inc-{pk}-v1"'.format(pk=incident.pk)
    statuses = []

    def patch(n):
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION="Token " + key)
            response = client.patch(
                "/api/v1/incidents/{n}/".format(n=incident.number),
                {"title": "Writer {n}".format(n=n)},
                format="json",
                HTTP_IF_MATCH=etag,
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=patch, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] + [412] * 7
    incident.refresh_from_db()
    assert incident.version == 2
    assert incident.history.count() == 2  # exactly one audit row for the one write
