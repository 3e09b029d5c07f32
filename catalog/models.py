"""The service catalog (DOMAIN §1): services come first; CIs and support groups serve them."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from catalog.choices import CiKind, Criticality, Lifecycle
from core.models import TimeStampedModel, VersionedModel


class SupportGroup(TimeStampedModel, VersionedModel):
    """An assignment group of agents, with a manager who receives escalations."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_support_groups",
        verbose_name=_("manager"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="support_groups",
        verbose_name=_("members"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("support group")
        verbose_name_plural = _("support groups")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:supportgroup_detail", args=[self.pk])


class Service(TimeStampedModel, VersionedModel):
    """An IT service as the business sees it; every record names the service it concerns."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_services",
        verbose_name=_("owner"),
    )
    support_group = models.ForeignKey(
        SupportGroup,
        on_delete=models.PROTECT,
        related_name="services",
        verbose_name=_("support group"),
    )
    criticality = models.PositiveSmallIntegerField(
        _("criticality"), choices=Criticality.choices, default=Criticality.MEDIUM
    )
    sla_policy = models.ForeignKey(
        "sla.SlaPolicy",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="services",
        verbose_name=_("SLA policy"),
        help_text=_("Empty: the default SLA policy applies."),
    )
    lifecycle = models.CharField(
        _("lifecycle"), max_length=16, choices=Lifecycle.choices, default=Lifecycle.LIVE
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        indexes = [models.Index(fields=["lifecycle", "name"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(criticality__gte=1, criticality__lte=4),
                name="service_criticality_1_to_4",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:service_detail", args=[self.pk])


class ConfigurationItem(TimeStampedModel, VersionedModel):
    """A managed component (server, application, …) supporting one or more services."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=CiKind.choices)
    description = models.TextField(_("description"), blank=True)
    services = models.ManyToManyField(
        Service, blank=True, related_name="cis", verbose_name=_("services")
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("configuration item")
        verbose_name_plural = _("configuration items")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:ci_detail", args=[self.pk])
