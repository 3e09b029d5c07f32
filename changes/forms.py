"""Change forms."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from catalog.models import ConfigurationItem, Service, SupportGroup
from changes.choices import Outcome
from changes.models import Change, ChangeTemplate, FreezeWindow
from changes.risk import QUESTIONS
from core.forms import BoundedDateTimeField, SafeModelMultipleChoiceField
from problems.models import Problem
from problems.selectors import OPEN_STATES as PROBLEM_OPEN_STATES

User = get_user_model()
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ChangeForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    template = forms.ModelChoiceField(
        queryset=ChangeTemplate.objects.filter(is_active=True).order_by("name"),
        required=False,
        label=_("Standard change template"),
        help_text=_("A template makes this a pre-approved standard change with its plans."),
    )
    service = forms.ModelChoiceField(
        queryset=Service.objects.order_by("name"), label=_("Service"), required=False
    )
    cis = SafeModelMultipleChoiceField(
        queryset=ConfigurationItem.objects.order_by("name"),
        required=False,
        label=_("Configuration items"),
    )
    approvers = SafeModelMultipleChoiceField(
        queryset=User.objects.filter(is_active=True, groups__permissions__codename="approve_change")
        .distinct()
        .order_by("username"),
        required=False,
        label=_("Approvers"),
    )
    approver_group = forms.ModelChoiceField(
        queryset=SupportGroup.objects.filter(is_active=True).order_by("name"),
        required=False,
        label=_("Approver group (CAB)"),
    )
    fixes_problem = forms.ModelChoiceField(
        queryset=Problem.objects.filter(state__in=PROBLEM_OPEN_STATES).order_by("number"),
        required=False,
        label=_("Fixes problem"),
    )
    planned_start = BoundedDateTimeField(widget=DATETIME, required=False, label=_("Planned start"))
    planned_end = BoundedDateTimeField(widget=DATETIME, required=False, label=_("Planned end"))

    class Meta:
        model = Change
        fields = [
            "template",
            "title",
            "change_type",
            "description",
            "reason",
            "service",
            "cis",
            "impact",
            "likelihood",
            "risk",
            "implementation_plan",
            "backout_plan",
            "test_plan",
            "planned_start",
            "planned_end",
            "assignment_group",
            "assignee",
            "approvers",
            "approver_group",
            "fixes_problem",
            "pdca_scope",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in (
                "description",
                "reason",
                "implementation_plan",
                "backout_plan",
                "test_plan",
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["version"].required = True
            self.fields["cis"].initial = list(self.instance.cis.all())
            self.fields["approvers"].initial = list(self.instance.approvers.all())
            del self.fields["template"]

    def clean(self):
        data = super().clean()
        if not data.get("template"):
            for name in ("title", "service"):
                if not data.get(name):
                    self.add_error(name, _("This field is required."))
        return data


class ChangeTransitionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    acknowledge_conflicts = forms.BooleanField(
        required=False, label=_("I have checked the overlapping changes")
    )
    outcome = forms.ChoiceField(
        choices=[("", "—"), *Outcome.choices], required=False, label=_("Outcome")
    )
    review_notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label=_("Post-implementation review"),
    )
    resolve_problem = forms.BooleanField(
        required=False, initial=True, label=_("Resolve the problem this change fixes")
    )
    cancel_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Reason for cancelling")
    )

    def __init__(self, *args, transition=None, **kwargs):
        super().__init__(*args, **kwargs)
        keep = set(transition.fields if transition else ()) | {"version"}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]


class DecisionForm(forms.Form):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Comment")
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class RiskQuestionnaireForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, _axis, question in QUESTIONS:
            self.fields[key] = forms.BooleanField(required=False, label=question)


class FreezeWindowForm(forms.ModelForm):
    start = BoundedDateTimeField(widget=DATETIME, label=_("Start"))
    end = BoundedDateTimeField(widget=DATETIME, label=_("End"))
    services = SafeModelMultipleChoiceField(
        queryset=Service.objects.order_by("name"),
        required=False,
        label=_("Services"),
        help_text=_("Empty: the freeze covers every service."),
    )

    class Meta:
        model = FreezeWindow
        fields = ["name", "start", "end", "services", "reason"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 2})}


class CausedIncidentForm(forms.Form):
    incident = forms.CharField(max_length=16, label=_("Incident number"))
