"""Catalog services: validation, optimistic locking, many-to-many changes."""

import pytest
from django.core.exceptions import ValidationError

from catalog.services import (
    ci_update,
    service_create,
    service_update,
    support_group_update,
)
from core.exceptions import NotFound, VersionConflict
from tests.factories import ConfigurationItemFactory, ServiceFactory, SupportGroupFactory

pytestmark = pytest.mark.django_db


class TestServiceCreate:
    def test_creates_with_history(self, manager):
        group = SupportGroupFactory()
        service = service_create(
            actor=manager,
            data={"name": "Payroll", "owner": manager, "support_group": group, "criticality": 1},
        )
        assert service.version == 1
        assert service.history.get().history_user == manager

    def test_duplicate_name_is_a_field_error_and_nothing_is_saved(self, manager):
        existing = ServiceFactory(name="Payroll")
        with pytest.raises(ValidationError) as err:
            service_create(
                actor=manager,
                data={"name": "Payroll", "owner": manager, "support_group": existing.support_group},
            )
        assert "name" in err.value.message_dict
        assert existing.__class__.objects.count() == 1

    def test_criticality_outside_1_to_4_is_refused(self, manager):
        with pytest.raises(ValidationError) as err:
            service_create(
                actor=manager,
                data={
                    "name": "X",
                    "owner": manager,
                    "support_group": SupportGroupFactory(),
                    "criticality": 9,
                },
            )
        assert "criticality" in err.value.message_dict


class TestServiceUpdate:
    def test_bumps_version_once_per_change(self, manager):
        service = ServiceFactory()
        updated = service_update(
            actor=manager, service_id=service.pk, expected_version=1, data={"criticality": 2}
        )
        assert (updated.version, updated.criticality) == (2, 2)

    def test_no_change_keeps_the_version(self, manager):
        service = ServiceFactory()
        same = service_update(
            actor=manager, service_id=service.pk, expected_version=1, data={"name": service.name}
        )
        assert same.version == 1
        assert service.history.count() == 1

    def test_stale_version_is_refused_and_nothing_changes(self, manager):
        service = ServiceFactory(name="Before")
        service_update(
            actor=manager, service_id=service.pk, expected_version=1, data={"criticality": 1}
        )
        with pytest.raises(VersionConflict) as err:
            service_update(
                actor=manager, service_id=service.pk, expected_version=1, data={"name": "After"}
            )
        assert err.value.current_version == 2
        service.refresh_from_db()
        assert service.name == "Before"

    def test_unknown_id_is_not_found(self, manager):
        with pytest.raises(NotFound):
            service_update(actor=manager, service_id=999999, expected_version=1, data={})


class TestManyToMany:
    def test_changing_ci_services_bumps_the_version(self, manager):
        ci = ConfigurationItemFactory()
        service = ServiceFactory()
        updated = ci_update(
            actor=manager, ci_id=ci.pk, expected_version=1, data={"services": [service]}
        )
        assert updated.version == 2
        assert list(updated.services.all()) == [service]

    def test_changing_group_members(self, manager, agent):
        group = SupportGroupFactory()
        updated = support_group_update(
            actor=manager, group_id=group.pk, expected_version=1, data={"members": [agent]}
        )
        assert list(updated.members.all()) == [agent]
        assert updated.version == 2
