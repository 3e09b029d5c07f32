"""Incident pages: staff queues, detail with transitions and timeline, forms, CSV export,
bulk actions, and the requester portal."""

import csv

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from core.attachments import attachment_response
from core.cache import choices_from_cache, choices_html
from core.exceptions import DomainError, VersionConflict
from core.params import id_param
from core.views import ObjectEditView, ObjectListView
from incidents import selectors, services
from incidents.filters import IncidentFilterSet
from incidents.forms import (
    AssignForm,
    AttachmentForm,
    BulkForm,
    CommentForm,
    IncidentForm,
    PortalIncidentForm,
    PriorityOverrideForm,
    TransitionForm,
)
from incidents.models import IncidentAttachment
from incidents.panels import incident_form_hints, incident_panels
from incidents.presentation import (
    TIMELINE_FIELDS,
    incident_timeline,
    queue_rows_cached,
    sla_view,
)
from incidents.workflow import CALLER_TRANSITIONS, INCIDENT_WORKFLOW

QUEUES = {
    "mine": gettext_lazy("My work"),
    "unassigned": gettext_lazy("My groups' unassigned"),
    "open": gettext_lazy("All open"),
    "breaching": gettext_lazy("Breaching soon"),
    "major": gettext_lazy("Major incidents"),
    "all": gettext_lazy("All"),
}


def _csv_safe(value) -> str:
    """Neutralise spreadsheet formulas in exported cells (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class IncidentListView(ObjectListView):
    permission_required = "incidents.view_incident"
    filterset_class = IncidentFilterSet
    template_name = "incidents/incident_list.html"
    partial_template_name = "incidents/partials/incident_table.html"
    paginate_by = 50

    @property
    def queue(self) -> str:
        queue = self.request.GET.get("queue", "open")
        return queue if queue in QUEUES else "open"

    def selector(self):
        return selectors.incident_queue(actor=self.request.user, queue=self.queue)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # One string: 50 rows through the template's for loop were a tenth of the page.
        context["rows"] = SafeString(
            "\n".join(queue_rows_cached(context["object_list"], timezone.now()))
        )
        context["queues"] = QUEUES
        context["queue"] = self.queue
        context["bulk_actions"] = choices_html(
            "incidents.BulkForm",
            "",
            lambda: BulkForm(auto_id="bulk-%s"),
            lambda form: render_to_string(
                "incidents/partials/bulk_actions.html", {"bulk_form": form}
            ),
            shown=("action", "assignee"),
        )
        return context


class IncidentExportView(IncidentListView):
    """The filtered list as CSV, streamed (every row, not just one page)."""

    COLUMNS = (
        ("number", gettext_lazy("Number")),
        ("title", gettext_lazy("Title")),
        ("get_state_display", gettext_lazy("State")),
        ("get_priority_display", gettext_lazy("Priority")),
        ("service", gettext_lazy("Service")),
        ("assignment_group", gettext_lazy("Group")),
        ("assignee", gettext_lazy("Assignee")),
        ("caller", gettext_lazy("Caller")),
        ("opened_at", gettext_lazy("Opened")),
        ("resolved_at", gettext_lazy("Resolved")),
        ("get_sla_state_display", gettext_lazy("SLA")),
    )

    def get(self, request, *args, **kwargs):
        queryset = self.get_queryset().select_related("caller")

        class Echo:
            def write(self, value):
                return value

        writer = csv.writer(Echo())

        def rows():
            yield writer.writerow([str(label) for _, label in self.COLUMNS])
            for incident in queryset.iterator(chunk_size=2000):
                values = []
                for attr, _label in self.COLUMNS:
                    value = getattr(incident, attr)
                    values.append(_csv_safe(value() if callable(value) else value))
                yield writer.writerow(values)

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="incidents.csv"'
        return response


class IncidentDetailView(LoginRequiredMixin, TemplateView):
    """Staff and the caller both see this page; the selector decides who may."""

    template_name = "incidents/incident_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        incident = selectors.incident_get(actor=user, number=kwargs["number"])
        if incident is None:
            raise Http404
        staff = selectors.is_staff_actor(user)
        transitions = [
            t
            for t in INCIDENT_WORKFLOW.available(incident, user)
            if staff or (t.name in CALLER_TRANSITIONS and incident.caller_id == user.pk)
        ]
        if staff:
            transitions = [t for t in transitions if t.name not in CALLER_TRANSITIONS]
        history = (
            list(selectors.incident_history(incident=incident, fields=TIMELINE_FIELDS))
            if staff
            else []
        )
        assign_form = None
        if staff and incident.is_open:
            assign_form = AssignForm(
                initial={
                    "version": incident.version,
                    "assignment_group": incident.assignment_group_id,
                    "assignee": incident.assignee_id,
                }
            )
            choices_from_cache(assign_form, "incidents.AssignForm")
        context.update(
            incident=incident,
            staff=staff,
            sla=sla_view(incident),
            transitions=[
                (t, TransitionForm(transition=t, initial={"version": incident.version}))
                for t in transitions
            ],
            timeline=incident_timeline(incident, history),
            comment_form=CommentForm(),
            panels=incident_panels(incident, user),
            assign_form=assign_form,
            attachment_form=AttachmentForm(),
            major_proposed=incident.priority == 1
            and incident.service.criticality == 1
            and not incident.is_major,
            priority_form=PriorityOverrideForm(
                initial={"version": incident.version, "priority": incident.priority}
            )
            if user.has_perm("incidents.override_priority")
            else None,
        )
        return context


class IncidentEditView(ObjectEditView):
    form_class = IncidentForm
    template_name = "incidents/incident_form.html"
    cancel_url = reverse_lazy("incidents:incident_list")

    def get_permission_required(self):
        if "number" in self.kwargs:
            return ["incidents.change_incident"]
        # The staff form; requesters log incidents through the portal.
        return ["incidents.add_incident", "incidents.view_incident"]

    def dispatch(self, request, *args, **kwargs):
        if "number" in kwargs and request.user.is_authenticated:
            kwargs["pk"] = kwargs["number"]
        return super().dispatch(request, *args, **kwargs)

    def selector(self, pk):
        return selectors.incident_get(actor=self.request.user, number=pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(hints=incident_form_hints(), **kwargs)

    def create(self, data):
        if not data.get("caller"):
            data.pop("caller", None)
        return services.incident_create(actor=self.request.user, data=data)

    def update(self, obj, expected_version, data):
        return services.incident_update(
            actor=self.request.user, incident=obj.pk, expected_version=expected_version, data=data
        )


def _refusal(request, err: DomainError, incident_url: str) -> HttpResponse:
    messages.error(request, err.message)
    response = redirect(incident_url)
    response.status_code = 303
    return response


class IncidentActionView(LoginRequiredMixin, View):
    """Base of the POST-only actions on one incident: they redirect back to its page."""

    http_method_names = ["post"]

    def url(self):
        return reverse("incidents:incident_detail", args=[self.kwargs["number"]])

    def post(self, request, *args, **kwargs):
        try:
            self.act(request)
        except VersionConflict as err:
            messages.error(request, err.message)
            return redirect(self.url())
        except DomainError as err:
            if err.status == 404:
                raise Http404 from None
            return _refusal(request, err, self.url())
        except ValidationError as err:
            for message in err.messages:
                messages.error(request, message)
        return redirect(self.url())


class IncidentTransitionView(IncidentActionView):
    def act(self, request):
        transition = INCIDENT_WORKFLOW.get(self.kwargs["name"])
        form = TransitionForm(request.POST, transition=transition)
        if not form.is_valid():
            raise DomainError(
                "invalid_form", _("Check the form: {errors}").format(errors=form.errors.as_text())
            )
        data = dict(form.cleaned_data)
        version = data.pop("version")
        incident = services.incident_transition(
            actor=request.user, incident=self.kwargs["number"], name=transition.name,
            expected_version=version, data=data,
        )  # fmt: skip
        messages.success(
            request,
            _("{number}: {action} done.").format(number=incident.number, action=transition.label),
        )


class IncidentPriorityView(IncidentActionView):
    def act(self, request):
        form = PriorityOverrideForm(request.POST)
        if not form.is_valid():
            raise DomainError(
                "priority_override_reason_required", _("Give a priority and a reason.")
            )
        data = dict(form.cleaned_data)
        services.incident_update(
            actor=request.user, incident=self.kwargs["number"],
            expected_version=data.pop("version"), data=data,
        )  # fmt: skip
        messages.success(request, _("Priority overridden."))


class IncidentAssignView(IncidentActionView):
    def act(self, request):
        form = AssignForm(request.POST)
        if not form.is_valid():
            raise DomainError("invalid_form", _("Choose a group."), field="assignment_group")
        data = dict(form.cleaned_data)
        incident = services.incident_update(
            actor=request.user, incident=self.kwargs["number"],
            expected_version=data.pop("version"), data=data,
        )  # fmt: skip
        messages.success(
            request,
            _("{number} assigned to {who}.").format(
                number=incident.number,
                who=incident.assignee or incident.assignment_group,
            ),
        )


class IncidentCommentView(IncidentActionView):
    def act(self, request):
        form = CommentForm(request.POST)
        if not form.is_valid():
            raise DomainError("comment_empty", _("Write something first."), field="body")
        services.incident_comment_add(
            actor=request.user, incident=self.kwargs["number"], **form.cleaned_data
        )
        messages.success(request, _("Added."))


class IncidentAttachmentView(IncidentActionView):
    def act(self, request):
        form = AttachmentForm(request.POST, request.FILES)
        if not form.is_valid():
            raise DomainError("attachment_missing", _("Choose a file."), field="file")
        services.incident_attachment_add(
            actor=request.user, incident=self.kwargs["number"], upload=form.cleaned_data["file"]
        )
        messages.success(request, _("File attached."))


class IncidentAttachmentDownloadView(LoginRequiredMixin, View):
    def get(self, request, number, pk):
        incident = selectors.incident_visible(actor=request.user).filter(number=number).first()
        if incident is None:
            raise Http404
        return attachment_response(get_object_or_404(IncidentAttachment, pk=pk, incident=incident))


class IncidentBulkView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        if not request.user.has_perm("incidents.change_incident"):
            raise Http404
        form = BulkForm(request.POST)
        back = request.POST.get("next") or ""
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = reverse("incidents:incident_list")
        if not form.is_valid():
            messages.error(request, _("Choose incidents and an action."))
            return redirect(back)
        action = form.cleaned_data["action"]
        if action == "assign" and form.cleaned_data["assignee"] is None:
            messages.error(request, _("Choose whom to assign to."))
            return redirect(back)
        numbers = [i.number for i in form.cleaned_data["incidents"]]
        versions = {}
        for number in numbers:  # the version each row showed; a changed row is refused
            seen = request.POST.get("v-" + number, "")
            version = id_param(seen)
            if version is not None:
                versions[number] = version
        done, refused = services.incident_bulk_apply(
            actor=request.user,
            numbers=numbers,
            action=action,
            assignee=form.cleaned_data["assignee"],
            versions=versions,
        )
        if done:
            messages.success(request, _("Done: {numbers}").format(numbers=", ".join(done)))
        for number, reason in refused:
            messages.error(request, "{number}: {reason}".format(number=number, reason=reason))
        return redirect(back)


class PortalListView(LoginRequiredMixin, TemplateView):
    """The requester's own and watched incidents."""

    template_name = "incidents/portal_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["incidents"] = selectors.incident_portal_list(actor=self.request.user)
        return context


class PortalCreateView(LoginRequiredMixin, FormView):
    template_name = "incidents/portal_form.html"
    form_class = PortalIncidentForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(hints=incident_form_hints(), **kwargs)

    def form_valid(self, form):
        try:
            incident = services.incident_create(actor=self.request.user, data=form.cleaned_data)
        except ValidationError as err:
            for field, errors in err.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        except DomainError as err:
            messages.error(self.request, err.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Thank you. Your incident {number} has been logged.").format(number=incident.number),
        )
        return redirect(incident.get_absolute_url())
