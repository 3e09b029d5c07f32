"""The KPI catalogue (DOMAIN §6): each KPI is one aggregate query over a period and a scope,
computed in the database. An empty period gives `value=None` ("no data"), never 0 %.

Definitions (period = [start, end)):
- mttr_hours / mttr_business_hours: mean of resolved_at − opened_at over incidents resolved in
  the period; the business figure is the SLA resolution clock (the policy's business hours,
  pauses awaiting the caller excluded), over incidents that had an SLA.
- sla_compliance: incidents resolved in the period within their resolution target ÷ those
  resolved in the period that had a target.
- first_contact_resolution: resolved without reassignment and without reopening ÷ resolved.
- reopen_rate: resolved incidents reopened at least once ÷ resolved.
- backlog / aged_backlog: incidents open at the period's end (opened before it, not resolved,
  closed or cancelled by then); aged: opened more than `aged_days` before the end.
- change_success_rate: changes closed in the period with a successful outcome ÷ those closed
  with an outcome (implemented).
- change_failure_rate: closed changes that failed, were backed out or caused an incident ÷
  those closed with an outcome.
- problem_throughput: problems resolved in the period; known_errors_published: known errors
  published in the period.
- recurring_incidents: incidents opened in the period that are linked to a problem.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
)
from django.db.models.functions import Round
from django.utils.translation import gettext_lazy as _

from changes.choices import Outcome
from changes.models import Change
from incidents.choices import IncidentState
from incidents.models import Incident
from problems.models import Problem


@dataclass(frozen=True)
class KpiScope:
    """Which records count: empty tuples mean all services or all priorities."""

    services: tuple[int, ...] = ()
    priorities: tuple[int, ...] = ()


@dataclass(frozen=True)
class KpiValue:
    value: float | None  # None: no data in the period
    sample: int  # how many records the value rests on
    unit: str
    hits: int | None = None  # ratio KPIs: the numerator (for significance tests)


@dataclass(frozen=True)
class Kpi:
    key: str
    label: Any
    unit: str
    higher_is_better: bool
    compute: Callable[[datetime, datetime, KpiScope, int], KpiValue]


def _incidents(scope: KpiScope) -> QuerySet[Incident]:
    queryset = Incident.objects.all()
    if scope.services:
        queryset = queryset.filter(service_id__in=scope.services)
    if scope.priorities:
        queryset = queryset.filter(priority__in=scope.priorities)
    return queryset


def _resolved(start: datetime, end: datetime, scope: KpiScope) -> QuerySet[Incident]:
    return _incidents(scope).filter(resolved_at__gte=start, resolved_at__lt=end)


def _ratio(numerator: int, denominator: int, unit: str = "%") -> KpiValue:
    if not denominator:
        return KpiValue(None, 0, unit)
    return KpiValue(round(100 * numerator / denominator, 2), denominator, unit, numerator)


def mttr_hours(start: datetime, end: datetime, scope: KpiScope, aged_days: int) -> KpiValue:
    row = _resolved(start, end, scope).aggregate(
        n=Count("pk"),
        mean=Avg(
            ExpressionWrapper(F("resolved_at") - F("opened_at"), output_field=DurationField())
        ),
    )
    if not row["n"]:
        return KpiValue(None, 0, "h")
    return KpiValue(round(row["mean"].total_seconds() / 3600, 2), row["n"], "h")


def mttr_business_hours(
    start: datetime, end: datetime, scope: KpiScope, aged_days: int
) -> KpiValue:
    row = (
        _resolved(start, end, scope)
        .filter(resolution_target_seconds__isnull=False)
        .aggregate(n=Count("pk"), mean=Avg("resolution_elapsed_seconds"))
    )
    if not row["n"]:
        return KpiValue(None, 0, "h")
    return KpiValue(round(row["mean"] / 3600, 2), row["n"], "h")


def sla_compliance(start: datetime, end: datetime, scope: KpiScope, aged_days: int) -> KpiValue:
    row = (
        _resolved(start, end, scope)
        .filter(resolution_target_seconds__isnull=False)
        .aggregate(n=Count("pk"), met=Count("pk", filter=Q(sla_state="met")))
    )
    return _ratio(row["met"], row["n"])


def first_contact_resolution(
    start: datetime, end: datetime, scope: KpiScope, aged_days: int
) -> KpiValue:
    row = _resolved(start, end, scope).aggregate(
        n=Count("pk"), fcr=Count("pk", filter=Q(reassignment_count=0, reopen_count=0))
    )
    return _ratio(row["fcr"], row["n"])


def reopen_rate(start: datetime, end: datetime, scope: KpiScope, aged_days: int) -> KpiValue:
    row = _resolved(start, end, scope).aggregate(
        n=Count("pk"), reopened=Count("pk", filter=Q(reopen_count__gt=0))
    )
    return _ratio(row["reopened"], row["n"])


def _open_at(end: datetime, scope: KpiScope) -> QuerySet[Incident]:
    return (
        _incidents(scope)
        .filter(opened_at__lt=end)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=end))
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=end))
        .exclude(state=IncidentState.CANCELLED)
    )


def backlog(start: datetime, end: datetime, scope: KpiScope, aged_days: int) -> KpiValue:
    n = _open_at(end, scope).count()
    return KpiValue(float(n), n, "incidents")


def aged_backlog(start: datetime, end: datetime, scope: KpiScope, aged_days: int) -> KpiValue:
    n = _open_at(end, scope).filter(opened_at__lt=end - timedelta(days=aged_days)).count()
    return KpiValue(float(n), n, "incidents")


def _closed_changes(start: datetime, end: datetime, scope: KpiScope) -> QuerySet[Change]:
    queryset = Change.objects.filter(closed_at__gte=start, closed_at__lt=end).exclude(outcome="")
    if scope.services:
        queryset = queryset.filter(service_id__in=scope.services)
    return queryset


def change_success_rate(
    start: datetime, end: datetime, scope: KpiScope, aged_days: int
) -> KpiValue:
    row = _closed_changes(start, end, scope).aggregate(
        n=Count("pk"),
        ok=Count("pk", filter=Q(outcome__in=[Outcome.SUCCESSFUL, Outcome.SUCCESSFUL_WITH_ISSUES])),
    )
    return _ratio(row["ok"], row["n"])


def change_failure_rate(
    start: datetime, end: datetime, scope: KpiScope, aged_days: int
) -> KpiValue:
    row = _closed_changes(start, end, scope).aggregate(
        n=Count("pk", distinct=True),
        failed=Count(
            "pk",
            filter=Q(outcome__in=[Outcome.FAILED, Outcome.BACKED_OUT])
            | Q(caused_incident_links__isnull=False),
            distinct=True,
        ),
    )
    return _ratio(row["failed"], row["n"])


def _problems(scope: KpiScope) -> QuerySet[Problem]:
    queryset = Problem.objects.all()
    if scope.services:
        queryset = queryset.filter(service_id__in=scope.services)
    if scope.priorities:
        queryset = queryset.filter(priority__in=scope.priorities)
    return queryset


def problem_throughput(start: datetime, end: datetime, scope: KpiScope, aged_days: int) -> KpiValue:
    n = _problems(scope).filter(resolved_at__gte=start, resolved_at__lt=end).count()
    return KpiValue(float(n), n, "problems")


def known_errors_published(
    start: datetime, end: datetime, scope: KpiScope, aged_days: int
) -> KpiValue:
    n = (
        _problems(scope)
        .filter(known_error_published_at__gte=start, known_error_published_at__lt=end)
        .count()
    )
    return KpiValue(float(n), n, "known errors")


def recurring_incidents(
    start: datetime, end: datetime, scope: KpiScope, aged_days: int
) -> KpiValue:
    n = (
        _incidents(scope)
        .filter(opened_at__gte=start, opened_at__lt=end, problem_link__isnull=False)
        .count()
    )
    return KpiValue(float(n), n, "incidents")


CATALOGUE: dict[str, Kpi] = {
    k.key: k
    for k in (
        Kpi("mttr_hours", _("MTTR (wall-clock hours)"), "h", False, mttr_hours),
        Kpi("mttr_business_hours", _("MTTR (business hours)"), "h", False, mttr_business_hours),
        Kpi("sla_compliance", _("SLA compliance"), "%", True, sla_compliance),
        Kpi(
            "first_contact_resolution",
            _("First-contact resolution"),
            "%",
            True,
            first_contact_resolution,
        ),
        Kpi("reopen_rate", _("Reopen rate"), "%", False, reopen_rate),
        Kpi("backlog", _("Open backlog"), "incidents", False, backlog),
        Kpi("aged_backlog", _("Aged backlog"), "incidents", False, aged_backlog),
        Kpi("change_success_rate", _("Change success rate"), "%", True, change_success_rate),
        Kpi("change_failure_rate", _("Change failure rate"), "%", False, change_failure_rate),
        Kpi("problem_throughput", _("Problems resolved"), "problems", True, problem_throughput),
        Kpi(
            "known_errors_published",
            _("Known errors published"),
            "known errors",
            True,
            known_errors_published,
        ),
        Kpi(
            "recurring_incidents", _("Recurring incidents"), "incidents", False, recurring_incidents
        ),
    )
}


def kpi_records(
    key: str, *, start: datetime, end: datetime, scope: KpiScope | None = None, aged_days: int = 30
) -> QuerySet[Any]:
    """The records a KPI's figure rests on (its sample: for a rate, the denominator), for the
    drill-down from a figure to the records behind it."""
    scope = scope or KpiScope()
    if key in ("mttr_hours", "reopen_rate", "first_contact_resolution"):
        return _resolved(start, end, scope)
    if key in ("mttr_business_hours", "sla_compliance"):
        return _resolved(start, end, scope).filter(resolution_target_seconds__isnull=False)
    if key == "backlog":
        return _open_at(end, scope)
    if key == "aged_backlog":
        return _open_at(end, scope).filter(opened_at__lt=end - timedelta(days=aged_days))
    if key in ("change_success_rate", "change_failure_rate"):
        return _closed_changes(start, end, scope)
    if key == "problem_throughput":
        return _problems(scope).filter(resolved_at__gte=start, resolved_at__lt=end)
    if key == "known_errors_published":
        return _problems(scope).filter(
            known_error_published_at__gte=start, known_error_published_at__lt=end
        )
    if key == "recurring_incidents":
        return _incidents(scope).filter(
            opened_at__gte=start, opened_at__lt=end, problem_link__isnull=False
        )
    raise KeyError(key)


MEAN_KPIS = ("mttr_hours", "mttr_business_hours")  # means of per-incident durations


class HoursBetween(Func):
    """(end − start) in hours as a float, on PostgreSQL and SQLite."""

    output_field = FloatField()
    arity = 2

    def as_sql(self, compiler, connection, **extra_context):
        end, start = (compiler.compile(e) for e in self.source_expressions)
        params = (*end[1], *start[1])
        if connection.vendor == "postgresql":
            sql = "EXTRACT(EPOCH FROM ({e} - {s})) / 3600.0".format(e=end[0], s=start[0])
        else:
            sql = "(julianday({e}) - julianday({s})) * 24.0".format(e=end[0], s=start[0])
        return sql, params


def kpi_distribution(
    key: str, *, start: datetime, split: datetime, end: datetime, scope: KpiScope | None = None
) -> list[tuple[float, int, int]]:
    """For a mean KPI: the per-incident values over [start, end), rounded to 0.1 h and
    grouped, each with how many fall before and after `split` — one grouped query, the
    input of a rank test without fetching the rows."""
    if key not in MEAN_KPIS:
        raise KeyError(key)
    queryset = _resolved(start, end, scope or KpiScope())
    if key == "mttr_hours":
        hours = HoursBetween(F("resolved_at"), F("opened_at"))
    else:
        queryset = queryset.filter(resolution_target_seconds__isnull=False)
        hours = ExpressionWrapper(
            F("resolution_elapsed_seconds") / 3600.0, output_field=FloatField()
        )
    rows = (
        queryset.annotate(bucket=Round(hours, precision=1))
        .values("bucket")
        .annotate(
            before=Count("pk", filter=Q(resolved_at__lt=split)),
            after=Count("pk", filter=Q(resolved_at__gte=split)),
        )
        .order_by("bucket")
    )
    return [(float(r["bucket"]), r["before"], r["after"]) for r in rows]


def kpi_compute(
    key: str, *, start: datetime, end: datetime, scope: KpiScope | None = None, aged_days: int = 30
) -> KpiValue:
    """One KPI over [start, end) and a scope. Raises KeyError for an unknown KPI."""
    if end <= start:
        raise ValueError("The period must end after it starts.")
    kpi = CATALOGUE[key]
    return kpi.compute(start, end, scope or KpiScope(), aged_days)
