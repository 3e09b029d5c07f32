"""Permissions are cached across requests, and every way of changing them takes effect on
the next request: membership, a group's permissions, a user's own permissions."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.choices import Role

pytestmark = pytest.mark.django_db
QUEUE = "/incidents/"


def permission_queries(client, url=QUEUE):
    with CaptureQueriesContext(connection) as queries:
        status = client.get(url).status_code
    return status, sum("auth_permission" in q["sql"] for q in queries.captured_queries)


def test_second_request_reads_no_permission_rows(client, agent):
    client.force_login(agent)
    assert permission_queries(client) == (200, 2)
    assert permission_queries(client) == (200, 0)


def test_joining_and_leaving_a_group_counts_at_once(client, requester):
    client.force_login(requester)
    assert permission_queries(client)[0] == 403
    requester.groups.add(Group.objects.get(name=Role.AGENT))
    assert permission_queries(client)[0] == 200
    requester.groups.remove(Group.objects.get(name=Role.AGENT))
    assert permission_queries(client)[0] == 403


def test_a_groups_permission_taken_away_counts_at_once(client, agent):
    client.force_login(agent)
    assert permission_queries(client)[0] == 200
    view = Permission.objects.get(codename="view_incident")
    Group.objects.get(name=Role.AGENT).permissions.remove(view)
    assert permission_queries(client)[0] == 403


def test_a_users_own_permission_counts_at_once(client, requester):
    client.force_login(requester)
    assert permission_queries(client)[0] == 403
    requester.user_permissions.add(Permission.objects.get(codename="view_incident"))
    assert permission_queries(client)[0] == 200


def test_a_deleted_group_takes_its_permissions_along(client, requester):
    group = Group.objects.create(name="Night shift")
    group.permissions.add(Permission.objects.get(codename="view_incident"))
    requester.groups.add(group)
    client.force_login(requester)
    assert permission_queries(client)[0] == 200
    group.delete()
    assert permission_queries(client)[0] == 403
