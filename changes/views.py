"""Change pages: list, detail with approvals, conflicts and risk evidence, forms, the
approvals queue, the change calendar with freeze windows, and the iCalendar feed."""

import calendar
import datetime as dt

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from changes import selectors, services
from changes.filters import ChangeFilterSet
from changes.forms import (
    CausedIncidentForm,
    ChangeForm,
    ChangeTransitionForm,
    DecisionForm,
    FreezeWindowForm,
    RiskQuestionnaireForm,
)
from changes.ical import changes_ical
from changes.models import Change
from changes.risk import risk_propose
from changes.workflow import CHANGE_WORKFLOW
from core.exceptions import DomainError
from core.timeline import timeline_build
from core.views import ObjectEditView, ObjectListView, StaffRequiredMixin

TIMELINE_FIELDS = (
    "state",
    "title",
    "change_type",
    "risk",
    "impact",
    "likelihood",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "assignee",
    "assignment_group",
    "outcome",
    "review_notes",
    "cancel_reason",
    "service",
    "fixes_problem",
)


class ChangeListView(ObjectListView):
    permission_required = "changes.view_change"
    filterset_class = ChangeFilterSet
    template_name = "changes/change_list.html"
    partial_template_name = "changes/partials/change_table.html"

    def selector(self):
        return selectors.change_list()


class ChangeDetailView(StaffRequiredMixin, TemplateView):
    permission_required = "changes.view_change"
    template_name = "changes/change_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        change = selectors.change_get(number=kwargs["number"])
        if change is None:
            raise Http404
        user = self.request.user
        stats = selectors.change_history_stats(
            service_id=change.service_id, ci_ids=[c.pk for c in change.cis.all()]
        )
        answers = RiskQuestionnaireForm(self.request.GET or None)
        proposal = (
            risk_propose(answers.cleaned_data, failure_rate=stats["failure_rate"])
            if answers.is_bound and answers.is_valid()
            else None
        )
        my_approval = next(
            (
                a
                for a in change.approvals.all()
                if a.approver_id == user.pk and a.decision == "pending"
            ),
            None,
        )
        transitions = []
        for t in CHANGE_WORKFLOW.available(change, user):
            form = ChangeTransitionForm(transition=t, initial={"version": change.version})
            if not change.fixes_problem_id:
                form.fields.pop("resolve_problem", None)
            transitions.append((t, form))
        context.update(
            change=change,
            transitions=transitions,
            conflicts=list(selectors.change_conflicts(change=change)),
            stats=stats,
            questionnaire=answers,
            proposal=proposal,
            my_approval=my_approval if change.state == "authorisation" else None,
            decision_form=DecisionForm(),
            caused_form=CausedIncidentForm(),
            timeline=timeline_build(
                model=Change,
                field_names=TIMELINE_FIELDS,
                history=list(selectors.change_history(change=change)),
                comments=change.comments.all(),
            ),
        )
        return context


class ChangeEditView(ObjectEditView):
    form_class = ChangeForm
    cancel_url = reverse_lazy("changes:change_list")

    def get_permission_required(self):
        return ["changes.change_change" if "number" in self.kwargs else "changes.add_change"]

    def dispatch(self, request, *args, **kwargs):
        if "number" in kwargs:
            kwargs["pk"] = kwargs["number"]
        return super().dispatch(request, *args, **kwargs)

    def selector(self, pk):
        return selectors.change_get(number=pk)

    def create(self, data):
        template = data.pop("template", None)
        data = {k: v for k, v in data.items() if v not in (None, "") or k in ("cis", "approvers")}
        return services.change_create(actor=self.request.user, data=data, template=template)

    def update(self, obj, expected_version, data):
        return services.change_update(
            actor=self.request.user, change=obj.pk, expected_version=expected_version, data=data
        )


class ActionView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def back(self):
        return reverse("changes:change_detail", args=[self.kwargs["number"]])

    def post(self, request, *args, **kwargs):
        try:
            self.act(request)
        except DomainError as err:
            if err.code == "not_found":
                raise Http404 from None
            messages.error(request, err.message)
        except ValidationError as err:
            for message in err.messages:
                messages.error(request, message)
        return redirect(self.back())


class ChangeTransitionView(ActionView):
    def act(self, request):
        transition = CHANGE_WORKFLOW.get(self.kwargs["name"])
        form = ChangeTransitionForm(request.POST, transition=transition)
        if not form.is_valid():
            raise DomainError(
                "invalid_form", _("The page was out of date; reload it and try again.")
            )
        data = dict(form.cleaned_data)
        change = services.change_transition(
            actor=request.user,
            change=self.kwargs["number"],
            name=transition.name,
            expected_version=data.pop("version"),
            data=data,
        )
        messages.success(
            request,
            _("{number}: {action} done.").format(number=change.number, action=transition.label),
        )


class ChangeDecisionView(ActionView):
    def act(self, request):
        form = DecisionForm(request.POST)
        form.is_valid()
        approve = self.kwargs["decision"] == "approve"
        if self.kwargs["decision"] not in ("approve", "reject"):
            raise DomainError("not_found", status=404)
        services.change_decide(
            actor=request.user,
            change=self.kwargs["number"],
            approve=approve,
            comment=form.cleaned_data.get("comment", ""),
            expected_version=form.cleaned_data.get("version"),
        )
        messages.success(
            request, _("Approved.") if approve else _("Rejected; the change is back in draft.")
        )


class ChangeCausedIncidentView(ActionView):
    def act(self, request):
        form = CausedIncidentForm(request.POST)
        if not form.is_valid():
            raise DomainError("incident_required", _("Give an incident number."))
        number = form.cleaned_data["incident"].strip().upper()
        services.change_link_caused_incident(
            actor=request.user, change=self.kwargs["number"], incident=number
        )
        messages.success(
            request, _("{incident} marked as caused by this change.").format(incident=number)
        )


class IncidentCausedByView(ActionView):
    """Marks an incident, from its own page, as caused by a change."""

    def back(self):
        return reverse("incidents:incident_detail", args=[self.kwargs["incident"]])

    def act(self, request):
        number = (request.POST.get("change") or "").strip().upper()
        if not number:
            raise DomainError("change_required", _("Give a change number."))
        services.change_link_caused_incident(
            actor=request.user, change=number, incident=self.kwargs["incident"]
        )
        messages.success(request, _("Marked as caused by {number}.").format(number=number))


class TemplateListView(StaffRequiredMixin, ListView):
    permission_required = "changes.view_changetemplate"
    template_name = "changes/template_list.html"
    context_object_name = "templates"

    def get_queryset(self):
        return selectors.change_template_list()


class TemplateRetireView(ActionView):
    def back(self):
        return reverse("changes:template_list")

    def act(self, request):
        template = services.change_template_retire(
            actor=request.user, template_id=self.kwargs["pk"]
        )
        messages.success(request, _("Template {name} retired.").format(name=template.name))


class ApprovalQueueView(StaffRequiredMixin, ListView):
    permission_required = "changes.approve_change"
    template_name = "changes/approval_list.html"
    context_object_name = "approvals"

    def get_queryset(self):
        return selectors.change_approvals_waiting(actor=self.request.user)


def _month(request) -> tuple[int, int]:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
        month = int(request.GET.get("month", today.month))
        dt.date(year, month, 1)
    except (TypeError, ValueError, OverflowError):
        return today.year, today.month
    if not 1900 <= year <= 9998:  # the grid reaches into the months around it
        return today.year, today.month
    return year, month


class ChangeCalendarView(StaffRequiredMixin, TemplateView):
    """A month of scheduled and planned changes by day, coloured by risk, with freezes."""

    permission_required = "changes.view_change"
    template_name = "changes/calendar.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year, month = _month(self.request)
        tz = timezone.get_current_timezone()
        weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
        week_view = self.request.GET.get("view") == "week"
        if week_view:
            try:
                focus = dt.date.fromisoformat(self.request.GET.get("date", ""))
            except ValueError:
                focus = timezone.localdate()
            if not 1900 <= focus.year <= 9998:
                focus = timezone.localdate()
            monday = focus - dt.timedelta(days=focus.weekday())
            weeks = [[monday + dt.timedelta(days=i) for i in range(7)]]
            year, month = monday.year, monday.month
        first, last = weeks[0][0], weeks[-1][-1] + dt.timedelta(days=1)
        start = dt.datetime.combine(first, dt.time(), tz)
        end = dt.datetime.combine(last, dt.time(), tz)
        changes = list(selectors.calendar_changes(start=start, end=end))
        freezes = list(selectors.calendar_freezes(start=start, end=end))

        def on(day, items, lo, hi):
            day_start = dt.datetime.combine(day, dt.time(), tz)
            day_end = day_start + dt.timedelta(days=1)
            return [i for i in items if getattr(i, lo) < day_end and getattr(i, hi) > day_start]

        context.update(
            weeks=[
                [
                    {
                        "date": day,
                        "in_month": week_view or day.month == month,
                        "changes": on(day, changes, "planned_start", "planned_end"),
                        "freezes": on(day, freezes, "start", "end"),
                    }
                    for day in week
                ]
                for week in weeks
            ],
            month_start=dt.date(year, month, 1),
            previous=(dt.date(year, month, 1) - dt.timedelta(days=1)).replace(day=1),
            next=(dt.date(year, month, 28) + dt.timedelta(days=4)).replace(day=1),
            freezes=freezes,
            week_view=week_view,
            week_start=weeks[0][0],
            previous_week=weeks[0][0] - dt.timedelta(days=7),
            next_week=weeks[0][0] + dt.timedelta(days=7),
            feed_url=self.request.build_absolute_uri(
                reverse(
                    "changes:calendar_feed",
                    args=[services.calendar_feed_key(user=self.request.user)],
                )
            ),
        )
        return context


class CalendarFeedView(View):
    """The iCalendar feed of scheduled changes; the secret key in the URL stands for the
    user (calendar programs cannot log in), and the user can renew it to revoke the old one."""

    def get(self, request, token):
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(calendar_feed_key__key=token, is_active=True).first()
        if user is None or not user.has_perm("changes.view_change"):
            raise Http404
        now = timezone.now()
        changes = selectors.calendar_changes(
            start=now - dt.timedelta(days=31), end=now + dt.timedelta(days=366)
        )
        response = HttpResponse(
            changes_ical(changes, request=request), content_type="text/calendar; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="changes.ics"'
        return response


class CalendarFeedResetView(LoginRequiredMixin, View):
    """Give the user a new feed address; the old one stops working at once."""

    http_method_names = ["post"]

    def post(self, request):
        services.calendar_feed_key(user=request.user, reset=True)
        messages.success(
            request, _("Your calendar address was renewed; the old one no longer works.")
        )
        return redirect("changes:calendar")


class FreezeWindowView(StaffRequiredMixin, FormView):
    permission_required = "changes.view_freezewindow"
    template_name = "changes/freeze_list.html"
    form_class = FreezeWindowForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["freezes"] = selectors.calendar_freezes(
            start=timezone.now() - dt.timedelta(days=30),
            end=timezone.now() + dt.timedelta(days=3650),
        ).order_by("start")
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("changes.add_freezewindow"):
            raise PermissionDenied  # only managers declare freezes
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            window = services.freeze_window_create(actor=self.request.user, data=form.cleaned_data)
        except DomainError as err:
            form.add_error(err.field if err.field in form.fields else None, err.message)
            return self.form_invalid(form)
        messages.success(self.request, _("Freeze window {name} declared.").format(name=window.name))
        return redirect("changes:freeze_list")
