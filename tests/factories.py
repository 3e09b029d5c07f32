"""factory_boy factories for the shared apps."""

import factory
from django.contrib.auth import get_user_model

from catalog.models import ConfigurationItem, Service, SupportGroup
from sla.models import SlaPolicy, SlaTarget


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: "user{n}".format(n=n))
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")


class SupportGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportGroup

    name = factory.Sequence(lambda n: "Group {n}".format(n=n))
    manager = factory.SubFactory(UserFactory)


class SlaPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SlaPolicy
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: "Policy {n}".format(n=n))

    @factory.post_generation
    def targets(self, create, extracted, **kwargs):
        if create:
            SlaTarget.objects.bulk_create(
                SlaTarget(
                    policy=self, priority=p, response_minutes=30 * p, resolution_minutes=240 * p
                )
                for p in range(1, 6)
            )


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    name = factory.Sequence(lambda n: "Service {n}".format(n=n))
    description = "A service."
    owner = factory.SubFactory(UserFactory)
    support_group = factory.SubFactory(SupportGroupFactory)


class ConfigurationItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConfigurationItem

    name = factory.Sequence(lambda n: "ci-{n:03d}".format(n=n))
    kind = "server"


def office_policy(**kwargs):
    """A Swedish office-hours policy, 08–17 Mon–Fri, P1 targets 1 h response / 4 h resolution."""
    import datetime as dt

    policy = SlaPolicy.objects.create(
        name=kwargs.pop("name", "Office"),
        time_zone="Europe/Stockholm",
        work_start=dt.time(8),
        work_end=dt.time(17),
        holiday_country="SE",
        **kwargs,
    )
    for p in range(1, 6):
        SlaTarget.objects.create(
            policy=policy, priority=p, response_minutes=60 * p, resolution_minutes=240 * p
        )
    return policy


class IncidentFactory(factory.django.DjangoModelFactory):
    """An incident written straight to the table (for list and visibility tests)."""

    class Meta:
        model = "incidents.Incident"

    number = factory.Sequence(lambda n: "INC{n:07d}".format(n=n + 9000000))
    title = factory.Faker("sentence", nb_words=5)
    caller = factory.SubFactory(UserFactory)
    opened_by = factory.SelfAttribute("caller")
    service = factory.SubFactory(ServiceFactory)
    assignment_group = factory.SelfAttribute("service.support_group")
    state = "new"
    priority = 3
    impact = 2
    urgency = 2
