"""Roles are Django groups whose permissions come from the apps' declarations."""

import pytest
from django.contrib.auth.models import Group

from catalog.choices import Role

pytestmark = pytest.mark.django_db


def test_every_role_exists_as_a_group():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


@pytest.mark.parametrize(
    ("role", "perm", "allowed"),
    [
        ("requester", "catalog.view_service", False),
        ("agent", "catalog.view_service", True),
        ("agent", "catalog.change_service", False),
        ("manager", "catalog.change_service", True),
        ("change_approver", "catalog.add_service", False),
        ("administrator", "sla.change_slapolicy", True),
        ("manager", "sla.change_slapolicy", False),
    ],
)
def test_role_permissions(role, perm, allowed, django_user_model):
    user = django_user_model.objects.create_user(username="u-" + role)
    user.groups.add(Group.objects.get(name=role))
    assert user.has_perm(perm) is allowed
