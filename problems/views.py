"""Problem pages: list, detail with RCA and linked incidents, forms, the known error database,
the suggested-problems inbox, and the actions the incident page offers."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from catalog.models import Service
from core.exceptions import DomainError
from core.params import id_param
from core.timeline import timeline_build
from core.views import ObjectEditView, ObjectListView, StaffRequiredMixin
from problems import selectors, services
from problems.filters import ProblemFilterSet
from problems.forms import LinkIncidentForm, ProblemCommentForm, ProblemForm, ProblemTransitionForm
from problems.models import Problem
from problems.workflow import PROBLEM_WORKFLOW

TIMELINE_FIELDS = (
    "state",
    "title",
    "service",
    "priority",
    "impact",
    "urgency",
    "assignment_group",
    "assignee",
    "root_cause",
    "workaround",
    "rca_method",
    "known_error",
    "resolution_notes",
    "no_change_reason",
    "cancel_reason",
    "category",
    "pdca_scope",
)


class ProblemListView(ObjectListView):
    permission_required = "problems.view_problem"
    filterset_class = ProblemFilterSet
    template_name = "problems/problem_list.html"
    partial_template_name = "problems/partials/problem_table.html"

    def selector(self):
        return selectors.problem_list()


class ProblemDetailView(StaffRequiredMixin, TemplateView):
    permission_required = "problems.view_problem"
    template_name = "problems/problem_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        problem = selectors.problem_get(number=kwargs["number"])
        if problem is None:
            raise Http404
        transitions = PROBLEM_WORKFLOW.available(problem, self.request.user)
        context.update(
            problem=problem,
            transitions=[
                (t, ProblemTransitionForm(transition=t, initial={"version": problem.version}))
                for t in transitions
            ],
            link_form=LinkIncidentForm(),
            timeline=timeline_build(
                model=Problem,
                field_names=TIMELINE_FIELDS,
                history=list(selectors.problem_history(problem=problem)),
                comments=problem.comments.all(),
            ),
            comment_form=ProblemCommentForm(),
        )
        return context


class ProblemEditView(ObjectEditView):
    form_class = ProblemForm
    cancel_url = reverse_lazy("problems:problem_list")

    def get_permission_required(self):
        return ["problems.change_problem" if "number" in self.kwargs else "problems.add_problem"]

    def dispatch(self, request, *args, **kwargs):
        if "number" in kwargs:
            kwargs["pk"] = kwargs["number"]
        return super().dispatch(request, *args, **kwargs)

    def selector(self, pk):
        return selectors.problem_get(number=pk)

    def create(self, data):
        return services.problem_create(actor=self.request.user, data=data)

    def update(self, obj, expected_version, data):
        return services.problem_update(
            actor=self.request.user, problem=obj.pk, expected_version=expected_version, data=data
        )


class ActionView(LoginRequiredMixin, View):
    """POST-only action; a refusal becomes a message, the user returns to `back`."""

    http_method_names = ["post"]

    def back(self):
        return reverse("problems:problem_detail", args=[self.kwargs["number"]])

    def post(self, request, *args, **kwargs):
        try:
            target = self.act(request)
        except DomainError as err:
            if err.status == 404 and err.code == "not_found":
                raise Http404 from None
            messages.error(request, err.message)
            return redirect(self.back())
        except ValidationError as err:
            for message in err.messages:
                messages.error(request, message)
            return redirect(self.back())
        return redirect(target or self.back())


class ProblemTransitionView(ActionView):
    def act(self, request):
        transition = PROBLEM_WORKFLOW.get(self.kwargs["name"])
        form = ProblemTransitionForm(request.POST, transition=transition)
        if not form.is_valid():
            raise DomainError(
                "invalid_form", _("The page was out of date; reload it and try again.")
            )
        data = dict(form.cleaned_data)
        version = data.pop("version")
        problem = services.problem_transition(
            actor=request.user,
            problem=self.kwargs["number"],
            name=transition.name,
            expected_version=version,
            data=data,
        )
        messages.success(
            request,
            _("{number}: {action} done.").format(number=problem.number, action=transition.label),
        )


class ProblemLinkView(ActionView):
    def act(self, request):
        form = LinkIncidentForm(request.POST)
        if not form.is_valid():
            raise DomainError("incident_required", _("Give an incident number."))
        number = form.cleaned_data["incident"].strip().upper()
        services.problem_link_incident(
            actor=request.user, problem=self.kwargs["number"], incident=number
        )
        messages.success(request, _("{incident} linked.").format(incident=number))


class ProblemUnlinkView(ActionView):
    def act(self, request):
        services.problem_unlink_incident(
            actor=request.user, problem=self.kwargs["number"], incident=self.kwargs["incident"]
        )
        messages.success(
            request, _("{incident} unlinked.").format(incident=self.kwargs["incident"])
        )


class ProblemCommentView(ActionView):
    def act(self, request):
        form = ProblemCommentForm(request.POST)
        if not form.is_valid():
            raise DomainError("comment_empty", _("Write something first."))
        services.problem_comment_add(
            actor=request.user, problem=self.kwargs["number"], **form.cleaned_data
        )
        messages.success(request, _("Added."))


class IncidentActionView(ActionView):
    """Actions started from an incident's page; they return there."""

    def back(self):
        return reverse("incidents:incident_detail", args=[self.kwargs["incident"]])


class ProblemFromIncidentView(IncidentActionView):
    def act(self, request):
        problem = services.problem_create_from_incident(
            actor=request.user, incident=self.kwargs["incident"]
        )
        messages.success(
            request, _("Problem {number} created and linked.").format(number=problem.number)
        )
        return problem.get_absolute_url()


class IncidentLinkProblemView(IncidentActionView):
    def act(self, request):
        number = (request.POST.get("problem") or "").strip().upper()
        if not number:
            raise DomainError("problem_required", _("Give a problem number."))
        services.problem_link_incident(
            actor=request.user, problem=number, incident=self.kwargs["incident"]
        )
        messages.success(request, _("Linked to {number}.").format(number=number))


class ApplyWorkaroundView(IncidentActionView):
    def act(self, request):
        services.known_error_apply_workaround(
            actor=request.user, problem=self.kwargs["number"], incident=self.kwargs["incident"]
        )
        messages.success(request, _("Workaround recorded on the incident."))


class KnownErrorListView(StaffRequiredMixin, ListView):
    permission_required = "incidents.view_incident"
    template_name = "problems/known_error_list.html"
    paginate_by = 25

    def get_queryset(self):
        service_id = id_param(self.request.GET.get("service")) or 0
        return selectors.known_error_list(service_id=service_id, text=self.request.GET.get("q", ""))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["services"] = Service.objects.order_by("name").only("pk", "name")
        return context


class KnownErrorHintView(LoginRequiredMixin, TemplateView):
    """Known errors for the service chosen on an incident form (an htmx fragment)."""

    template_name = "problems/partials/known_error_hint.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        service_id = id_param(self.request.GET.get("service")) or 0
        staff = self.request.user.has_perm("incidents.view_incident")
        known_errors = selectors.known_error_list(service_id=service_id) if service_id else None
        if known_errors is not None and not staff:
            known_errors = known_errors.exclude(workaround="")  # the root cause is internal
        context["known_errors"] = list(known_errors[:5]) if known_errors is not None else []
        context["staff"] = staff
        return context


class SuggestionListView(StaffRequiredMixin, ListView):
    permission_required = "problems.view_problem"
    template_name = "problems/suggestion_list.html"
    context_object_name = "suggestions"

    def get_queryset(self):
        return selectors.suggestion_list()


class SuggestionDecideView(ActionView):
    def back(self):
        return reverse("problems:suggestion_list")

    def act(self, request):
        if self.kwargs["decision"] not in ("accept", "dismiss"):
            raise DomainError("not_found", status=404)
        if self.kwargs["decision"] == "accept":
            problem = services.suggestion_accept(
                actor=request.user, suggestion_id=self.kwargs["pk"]
            )
            messages.success(request, _("Problem {number} created.").format(number=problem.number))
            return problem.get_absolute_url()
        services.suggestion_dismiss(actor=request.user, suggestion_id=self.kwargs["pk"])
        messages.success(request, _("Suggestion dismissed."))
        return None
