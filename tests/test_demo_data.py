"""The demo organisation loads once and gives every role a user."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from catalog.choices import Role
from catalog.models import ConfigurationItem, Service, SupportGroup
from sla.models import SlaPolicy

pytestmark = pytest.mark.django_db


def test_demo_data_loads_once():
    call_command("demo_data", "--quiet")
    call_command("demo_data", "--quiet")
    assert Service.objects.count() == 8
    assert SupportGroup.objects.count() == 5  # four support groups and the CAB
    assert ConfigurationItem.objects.count() >= 10
    assert SlaPolicy.objects.filter(is_default=True).count() == 1
    users = get_user_model().objects
    for role in Role.values:
        assert users.filter(groups__name=role).exists(), role
    assert all(s.owner_id and s.support_group.manager_id for s in Service.objects.all())
