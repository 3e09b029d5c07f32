"""Incident forms: validation and widgets; views hand cleaned_data to the services."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from catalog.choices import Lifecycle
from catalog.models import ConfigurationItem, Service, SupportGroup
from core.forms import SafeModelMultipleChoiceField
from core.models import TimelineKind
from incidents.choices import HoldReason, Priority, ResolutionCode, Urgency
from incidents.models import Incident

User = get_user_model()


def _live_services():
    return Service.objects.filter(lifecycle=Lifecycle.LIVE).order_by("name")


class IncidentForm(forms.ModelForm):
    """Staff create and edit form."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    service = forms.ModelChoiceField(queryset=_live_services(), label=_("Service"))
    cis = SafeModelMultipleChoiceField(
        queryset=ConfigurationItem.objects.filter(is_active=True).order_by("name"),
        required=False,
        label=_("Configuration items"),
    )
    caller = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("username"),
        required=False,
        label=_("Caller"),
        help_text=_("Empty: you are the caller."),
    )
    assignee = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True, support_groups__isnull=False)
        .distinct()
        .order_by("username"),
        required=False,
        label=_("Assignee"),
    )
    assignment_group = forms.ModelChoiceField(
        queryset=SupportGroup.objects.filter(is_active=True).order_by("name"),
        required=False,
        label=_("Assignment group"),
        help_text=_("Empty: the service's support group."),
    )
    watchers = SafeModelMultipleChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("username"),
        required=False,
        label=_("Watchers"),
        help_text=_("They see the incident and its public comments."),
    )

    class Meta:
        model = Incident
        fields = [
            "title", "description", "caller", "service", "cis", "category", "subcategory",
            "impact", "urgency", "assignment_group", "assignee", "contact_channel", "is_major",
            "pdca_scope",
        ]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["version"].required = True
            self.fields["cis"].initial = list(self.instance.cis.all())
            self.fields["watchers"].initial = list(self.instance.watchers.all())
            del self.fields["caller"]
            # A retired service stays selectable on the incidents that already name it.
            self.fields["service"].queryset = (
                Service.objects.filter(pk=self.instance.service_id) | _live_services()
            )


class AssignForm(forms.Form):
    """Inline assignment on the detail page."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    assignment_group = forms.ModelChoiceField(
        queryset=SupportGroup.objects.filter(is_active=True).order_by("name"), label=_("Group")
    )
    assignee = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True, support_groups__isnull=False)
        .distinct()
        .order_by("username"),
        required=False,
        label=_("Assignee"),
    )


class PriorityOverrideForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, label=_("Priority"))
    priority_override_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label=_("Reason")
    )


class PortalIncidentForm(forms.ModelForm):
    """What a requester fills in: plain words and how urgent it is."""

    service = forms.ModelChoiceField(
        queryset=_live_services(), label=_("What is it about?"), empty_label=_("Choose a service")
    )
    urgency = forms.TypedChoiceField(
        choices=Urgency.choices, coerce=int, initial=3, label=_("How urgent is it?")
    )

    class Meta:
        model = Incident
        fields = ["service", "title", "description", "urgency"]
        labels = {"title": _("Short summary"), "description": _("Describe what happened")}
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}


class TransitionForm(forms.Form):
    """The fields a transition takes; built from the workflow table."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    hold_reason = forms.ChoiceField(
        choices=[("", "—"), *HoldReason.choices], required=False, label=_("On-hold reason")
    )
    resolution_code = forms.ChoiceField(
        choices=[("", "—"), *ResolutionCode.choices], required=False, label=_("Resolution code")
    )
    resolution_notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Resolution notes")
    )
    cancel_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Reason for cancelling")
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Comment")
    )

    def __init__(self, *args, transition=None, **kwargs):
        super().__init__(*args, **kwargs)
        keep = set(transition.fields if transition else ()) | {"version"}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]


class CommentForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Text"))
    kind = forms.ChoiceField(
        choices=TimelineKind.choices, initial=TimelineKind.COMMENT, label=_("Visibility")
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))


class BulkForm(forms.Form):
    incidents = SafeModelMultipleChoiceField(
        queryset=Incident.objects.all(), to_field_name="number"
    )
    action = forms.ChoiceField(
        choices=[("assign", _("Assign")), ("start", _("Start work")), ("close", _("Close"))]
    )
    assignee = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True, support_groups__isnull=False).distinct(),
        required=False,
    )
