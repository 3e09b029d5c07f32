"""The managers' PDCA pages: dashboard, service view, printable review, the register, the
strategic queue, and list/edit pages for strategies, cycles and goals. Thin: selectors read,
services write."""

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from catalog.models import Service
from core.exceptions import DomainError
from core.params import id_param
from core.views import ObjectDetailView, ObjectEditView, ObjectListView, StaffRequiredMixin
from pdca import selectors, services
from pdca.choices import GoalStatus
from pdca.filters import (
    ActionFilterSet,
    CycleFilterSet,
    GoalFilterSet,
    StrategicFilterSet,
    StrategyFilterSet,
)
from pdca.forms import (
    CycleForm,
    DecideForm,
    GoalForm,
    ImprovementActionForm,
    LinkRecordForm,
    RaiseForm,
    RecordCycleForm,
    StrategyForm,
    TriageForm,
)
from pdca.kpis import CATALOGUE, KpiScope, kpi_compute, kpi_records
from pdca.models import Cycle

CHART_W, CHART_H = 240, 64
INCIDENT_KPIS = {
    "mttr_hours", "mttr_business_hours", "sla_compliance", "first_contact_resolution",
    "reopen_rate", "backlog", "aged_backlog", "recurring_incidents",
}  # fmt: skip
CHANGE_KPIS = {"change_success_rate", "change_failure_rate"}


def _chart(series, target, w=CHART_W, h=CHART_H):
    """SVG geometry for a goal's trend against its target line (drawn server-side: no
    script, so the CSP stays strict)."""
    values = [p["value"] for p in series]
    top = max([v for v in values if v is not None] + [target]) * 1.15 or 1
    pad = 4  # keeps the end points' circles inside the box

    def y(v):
        return round(pad + (h - 2 * pad) * (1 - v / top), 1)

    step = (w - 2 * pad) / max(len(values) - 1, 1)
    points = [
        (round(pad + i * step, 1), y(v), p["status"])
        for i, (v, p) in enumerate(zip(values, series, strict=True))
        if v is not None
    ]
    return {
        "w": w,
        "h": h,
        "target_y": y(target),
        "line": " ".join("{x},{y}".format(x=x, y=yy) for x, yy, _s in points),
        "points": points,
    }


def drill_url(goal, start: dt.datetime, end: dt.datetime) -> str:
    """The records behind a goal's figure for a period (the exact KPI sample)."""
    query = {"start": start.isoformat(), "end": end.isoformat()}
    return reverse("pdca:goal_records", args=[goal.pk]) + "?" + urlencode(query)


def queue_url(kpi: str, services_: list[int], priorities: list[int], start, end) -> str:
    """The same scope and period in the operational queue (its own filters)."""
    if kpi in CHANGE_KPIS:
        query = [("service", s) for s in services_[:1]]
        return reverse("changes:change_list") + "?" + urlencode(query)
    if kpi not in INCIDENT_KPIS:
        query = [("service", s) for s in services_[:1]]
        return reverse("problems:problem_list") + "?" + urlencode(query)
    query = [("service", s) for s in services_[:1]] + [("priority", p) for p in priorities]
    if kpi not in ("backlog", "aged_backlog"):
        query += [
            ("opened_after", timezone.localdate(start).isoformat()),
            ("opened_before", timezone.localdate(end - dt.timedelta(seconds=1)).isoformat()),
        ]
    else:
        query += [("state", "new"), ("state", "in_progress"), ("state", "on_hold")]
    return reverse("incidents:incident_list") + "?" + urlencode(query)


def _goal_rows(goals):
    rows = []
    for goal in goals:
        series = selectors.goal_series(goal)
        snapshots = list(goal.snapshots.all())
        latest = snapshots[-1] if snapshots else None
        rows.append(
            {
                "goal": goal,
                "kpi": CATALOGUE[goal.kpi],
                "latest": latest,
                "chart": _chart(series, goal.target),
                "drill": drill_url(goal, latest.review.period_start, latest.review.period_end)
                if latest
                else None,
            }
        )
    return rows


class DashboardView(StaffRequiredMixin, TemplateView):
    """Per cycle: each goal's trend against its target, status, drill-down, the latest
    findings; the improvement register's overdue actions; the strategic queue."""

    permission_required = "pdca.view_cycle"
    template_name = "pdca/dashboard.html"

    def get(self, request, *args, **kwargs):
        service = id_param(request.GET.get("service"))
        if service is not None:
            return redirect("pdca:service_view", pk=service)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        queryset = selectors.dashboard_cycles()
        if "pk" in self.kwargs:
            queryset = queryset.filter(pk=self.kwargs["pk"])
        cycles = []
        for cycle in queryset:
            reviews = list(cycle.reviews.all())
            cycles.append(
                {
                    "cycle": cycle,
                    "goals": _goal_rows(cycle.goals.all()),
                    "last_review": reviews[0] if reviews else None,
                }
            )
        if "pk" in self.kwargs and not cycles:
            raise Http404
        context["cycles"] = cycles
        if "pk" in self.kwargs and self.request.user.has_perm("pdca.change_recordcycle"):
            context["link_form"] = LinkRecordForm(auto_id="link-%s")
        context["strategic"] = list(selectors.strategic_queue()[:20])
        context["overdue"] = list(selectors.actions_overdue()[:20])
        context["register"] = list(selectors.action_register_recent()[:10])
        context["services"] = Service.objects.order_by("name").only("pk", "name")
        return context


class GoalDetailView(ObjectDetailView):
    """A goal: its trend, every review's figure with the records behind it, its actions with
    their effectiveness checks, and its strategic items."""

    permission_required = "pdca.view_goal"
    template_name = "pdca/goal_detail.html"
    context_object_name = "goal"

    def selector(self, pk):
        return selectors.goal_detail(pk=pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        goal = context["goal"]
        snapshots = list(goal.snapshots.all())
        context["kpi"] = CATALOGUE[goal.kpi]
        context["chart"] = _chart(selectors.goal_series(goal), goal.target, w=640, h=160)
        service_ids = [s.pk for s in goal.services.all()]
        context["rows"] = [
            {
                "snapshot": s,
                "drill": drill_url(goal, s.review.period_start, s.review.period_end),
                "queue": queue_url(
                    goal.kpi,
                    service_ids,
                    goal.priorities or [],
                    s.review.period_start,
                    s.review.period_end,
                ),
            }
            for s in reversed(snapshots)
        ]
        context["off_track"] = bool(snapshots) and snapshots[-1].status == GoalStatus.OFF_TRACK
        return context


def _aware(value: str | None, default: dt.datetime) -> dt.datetime:
    if not value:
        return default
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return default
    if not 1900 <= parsed.year <= 9998:
        return default
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


class GoalRecordsView(StaffRequiredMixin, TemplateView):
    """The records a goal's figure rests on, for one period: exactly the KPI's sample."""

    permission_required = "pdca.view_goal"
    template_name = "pdca/goal_records.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        goal = selectors.goal_detail(pk=self.kwargs["pk"])
        if goal is None:
            raise Http404
        now = timezone.now()
        end = _aware(self.request.GET.get("end"), now)
        start = _aware(
            self.request.GET.get("start"), end - dt.timedelta(days=goal.cycle.review_days)
        )
        if end <= start:
            start = end - dt.timedelta(days=goal.cycle.review_days)
        scope = KpiScope(
            services=tuple(s.pk for s in goal.services.all()),
            priorities=tuple(goal.priorities or ()),
        )
        records = kpi_records(goal.kpi, start=start, end=end, scope=scope, aged_days=goal.aged_days)
        records = records.select_related("service").order_by("-opened_at", "-pk")
        page = Paginator(records, 50).get_page(self.request.GET.get("page"))
        value = kpi_compute(goal.kpi, start=start, end=end, scope=scope, aged_days=goal.aged_days)
        context.update(
            goal=goal,
            kpi=CATALOGUE[goal.kpi],
            value=value,
            start=start,
            end=end,
            page_obj=page,
            records=page.object_list,
            queue=queue_url(goal.kpi, list(scope.services), list(scope.priorities), start, end),
        )
        return context


class ServiceView(StaffRequiredMixin, TemplateView):
    """Every KPI of the catalogue for one service, over a period (default: the last 30 days),
    each with the records behind it."""

    permission_required = "pdca.view_goal"
    template_name = "pdca/service_view.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        service = Service.objects.filter(pk=self.kwargs["pk"]).first()
        if service is None:
            raise Http404
        try:
            days = max(1, min(int(self.request.GET.get("days", 30)), 3650))
        except ValueError:
            days = 30
        tz = timezone.get_current_timezone()
        end = dt.datetime.combine(timezone.localdate() + dt.timedelta(days=1), dt.time(), tz)
        start = end - dt.timedelta(days=days)
        scope = KpiScope(services=(service.pk,))
        rows = []
        for key, kpi in CATALOGUE.items():
            value = kpi_compute(key, start=start, end=end, scope=scope)
            rows.append(
                {
                    "kpi": kpi,
                    "value": value,
                    "queue": queue_url(key, [service.pk], [], start, end),
                }
            )
        context.update(service=service, rows=rows, days=days, start=start, end=end)
        return context


class ReviewPrintView(ObjectDetailView):
    """One review as a printable page (print CSS: the browser's "Save as PDF" makes a PDF)."""

    permission_required = "pdca.view_review"
    template_name = "pdca/review_print.html"
    context_object_name = "review"

    def selector(self, pk):
        return selectors.review_get(pk=pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        review = context["review"]
        context["rows"] = [
            {"snapshot": s, "kpi": CATALOGUE[s.goal.kpi]} for s in review.snapshots.all()
        ]
        return context


class CycleLinkRecordView(StaffRequiredMixin, View):
    """Count a problem, change or incident towards this cycle by hand."""

    permission_required = "pdca.change_recordcycle"
    http_method_names = ["post"]

    def post(self, request, pk):
        if not Cycle.objects.filter(pk=pk).exists():
            raise Http404
        form = LinkRecordForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give the record's kind and number."))
            return redirect("pdca:cycle_detail", pk=pk)
        try:
            link = services.record_cycle_set(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                record=form.cleaned_data["number"],
                cycle_id=pk,
            )
        except DomainError as err:
            messages.error(
                request,
                _("No record with this number.") if err.code == "not_found" else err.message,
            )
        else:
            messages.success(
                request,
                _("{number} now counts towards {cycle}.").format(
                    number=form.cleaned_data["number"], cycle=link.cycle
                ),
            )
        return redirect("pdca:cycle_detail", pk=pk)


class ReviewNowView(StaffRequiredMixin, View):
    permission_required = "pdca.add_review"
    http_method_names = ["post"]

    def post(self, request, pk):
        if not Cycle.objects.filter(pk=pk).exists():
            raise Http404
        try:
            review = services.review_run_now(actor=request.user, cycle_id=pk)
        except DomainError as err:
            messages.error(request, err.message)
        else:
            if review is None:
                messages.info(request, _("This period has just been reviewed."))
            else:
                messages.success(request, _("Review done."))
        return redirect("pdca:dashboard")


# --- Strategies, cycles, goals ---------------------------------------------------------------


class StrategyListView(ObjectListView):
    permission_required = "pdca.view_strategy"
    filterset_class = StrategyFilterSet
    template_name = "pdca/strategy_list.html"

    def selector(self):
        return selectors.strategy_list()


class StrategyEditView(ObjectEditView):
    cancel_url = reverse_lazy("pdca:strategy_list")
    form_class = StrategyForm

    def get_permission_required(self):
        return ["pdca.change_strategy" if "pk" in self.kwargs else "pdca.add_strategy"]

    def selector(self, pk):
        return selectors.strategy_get(pk=pk)

    def create(self, data):
        return services.strategy_create(actor=self.request.user, data=data)

    def update(self, obj, expected_version, data):
        return services.strategy_update(
            actor=self.request.user,
            strategy_id=obj.pk,
            expected_version=expected_version,
            data=data,
        )


class CycleListView(ObjectListView):
    permission_required = "pdca.view_cycle"
    filterset_class = CycleFilterSet
    template_name = "pdca/cycle_list.html"

    def selector(self):
        return selectors.cycle_list()


class CycleEditView(ObjectEditView):
    cancel_url = reverse_lazy("pdca:cycle_list")
    form_class = CycleForm

    def get_permission_required(self):
        return ["pdca.change_cycle" if "pk" in self.kwargs else "pdca.add_cycle"]

    def selector(self, pk):
        return selectors.cycle_get(pk=pk)

    def create(self, data):
        return services.cycle_create(actor=self.request.user, data=data)

    def update(self, obj, expected_version, data):
        return services.cycle_update(
            actor=self.request.user, cycle_id=obj.pk, expected_version=expected_version, data=data
        )


class GoalListView(ObjectListView):
    permission_required = "pdca.view_goal"
    filterset_class = GoalFilterSet
    template_name = "pdca/goal_list.html"

    def selector(self):
        return selectors.goal_list()


class GoalEditView(ObjectEditView):
    cancel_url = reverse_lazy("pdca:goal_list")
    form_class = GoalForm

    def get_permission_required(self):
        return ["pdca.change_goal" if "pk" in self.kwargs else "pdca.add_goal"]

    def get_initial(self):
        initial = super().get_initial()
        cycle = id_param(self.request.GET.get("cycle"))
        if self.object is None and cycle is not None:
            initial["cycle"] = cycle
        return initial

    def selector(self, pk):
        return selectors.goal_get(pk=pk)

    def create(self, data):
        return services.goal_create(actor=self.request.user, data=data)

    def update(self, obj, expected_version, data):
        return services.goal_update(
            actor=self.request.user, goal_id=obj.pk, expected_version=expected_version, data=data
        )


# --- The improvement register ------------------------------------------------------------


class ActionListView(ObjectListView):
    permission_required = "pdca.view_improvementaction"
    filterset_class = ActionFilterSet
    template_name = "pdca/action_list.html"

    def selector(self):
        return selectors.action_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["today"] = timezone.localdate()
        return context


class ActionDetailView(ObjectDetailView):
    permission_required = "pdca.view_improvementaction"
    template_name = "pdca/action_detail.html"
    context_object_name = "action"

    def selector(self, pk):
        return selectors.action_get(pk=pk)


class ActionEditView(ObjectEditView):
    cancel_url = reverse_lazy("pdca:action_list")
    form_class = ImprovementActionForm

    def get_permission_required(self):
        return [
            "pdca.change_improvementaction" if "pk" in self.kwargs else "pdca.add_improvementaction"
        ]

    def get_initial(self):
        initial = super().get_initial()
        if self.object is None:
            initial["owner"] = self.request.user.pk
            initial["due_date"] = timezone.localdate() + dt.timedelta(days=30)
            goal = id_param(self.request.GET.get("goal"))
            if goal is not None:
                initial["goal"] = goal
        return initial

    def selector(self, pk):
        return selectors.action_get(pk=pk)

    def create(self, data):
        return services.action_create(actor=self.request.user, data=data)

    def update(self, obj, expected_version, data):
        return services.action_update(
            actor=self.request.user, action_id=obj.pk, expected_version=expected_version, data=data
        )


# --- The strategic queue --------------------------------------------------------------------


class StrategicListView(ObjectListView):
    permission_required = "pdca.view_strategicitem"
    filterset_class = StrategicFilterSet
    template_name = "pdca/strategic_list.html"

    def selector(self):
        return selectors.strategic_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["raise_form"] = RaiseForm(auto_id="raise-%s")
        return context

    def get_queryset(self):
        # The queue shows the undecided items unless the filter asks otherwise.
        if "decided" not in self.request.GET:
            self.request.GET = self.request.GET.copy()
            self.request.GET["decided"] = "false"
        return super().get_queryset()


class StrategicRaiseView(StaffRequiredMixin, View):
    """Raise a problem, change or incident to the strategic queue by its number."""

    permission_required = "pdca.add_strategicitem"
    http_method_names = ["post"]

    def post(self, request):
        form = RaiseForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("pdca:strategic_list")
        data = form.cleaned_data
        try:
            item = services.strategic_triage(
                actor=request.user, kind=data["kind"], record=data["number"], reason=data["reason"]
            )
        except DomainError as err:
            messages.error(
                request,
                _("No record with this number.") if err.code == "not_found" else err.message,
            )
            return redirect("pdca:strategic_list")
        messages.success(request, _("Sent to the strategic queue."))
        return redirect(item.get_absolute_url())


class StrategicDetailView(ObjectDetailView):
    permission_required = "pdca.view_strategicitem"
    template_name = "pdca/strategic_detail.html"
    context_object_name = "item"

    def selector(self, pk):
        return selectors.strategic_get(pk=pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", DecideForm())
        return context


class StrategicDecideView(StrategicDetailView):
    permission_required = "pdca.change_strategicitem"
    http_method_names = ["post"]

    def post(self, request, pk):
        if selectors.strategic_get(pk=pk) is None:
            raise Http404
        form = DecideForm(request.POST)
        if form.is_valid():
            try:
                services.strategic_decide(
                    actor=request.user,
                    item_id=pk,
                    decision=form.cleaned_data["decision"],
                    note=form.cleaned_data["note"],
                    new_target=form.cleaned_data["new_target"],
                )
            except DomainError as err:
                if err.field and err.field in form.fields:
                    form.add_error(err.field, err.message)
                else:
                    messages.error(request, err.message)
            else:
                messages.success(request, _("Decided; the item is back with the line."))
                return redirect("pdca:strategic_list")
        context = self.get_context_data(pk=pk, form=form)
        return self.render_to_response(context)


class _IncidentAction(LoginRequiredMixin, View):
    """A POST from the incident page's PDCA panel; back to the incident afterwards."""

    http_method_names = ["post"]

    def post(self, request, number):
        try:
            self.act(request, number)
        except DomainError as err:
            if err.code == "not_found":
                raise Http404 from None
            messages.error(request, err.message)
        except ValidationError as err:
            for message in err.messages:
                messages.error(request, message)
        return redirect(reverse("incidents:incident_detail", args=[number]))


class IncidentTriageView(_IncidentAction):
    def act(self, request, number):
        form = TriageForm(request.POST)
        if not form.is_valid():
            raise DomainError("reason_required", _("Say why this needs a strategic decision."))
        services.strategic_triage(
            actor=request.user, kind="incident", record=number, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("Sent to the strategic queue."))


class IncidentCycleView(_IncidentAction):
    def act(self, request, number):
        form = RecordCycleForm(request.POST)
        if not form.is_valid():
            raise DomainError("cycle_invalid", _("Choose a cycle."))
        cycle = form.cleaned_data["cycle"]
        link = services.record_cycle_set(
            actor=request.user,
            kind="incident",
            record=number,
            cycle_id=cycle.pk if cycle else None,
        )
        if link is None:
            messages.info(request, _("No cycle covers this incident."))
        else:
            messages.success(request, _("Counted towards {cycle}.").format(cycle=link.cycle))
