"""Problem forms."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from catalog.models import ConfigurationItem, Service, SupportGroup
from core.forms import SafeModelMultipleChoiceField
from core.models import TimelineKind
from problems.models import Problem

User = get_user_model()


class ProblemForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    service = forms.ModelChoiceField(queryset=Service.objects.order_by("name"), label=_("Service"))
    cis = SafeModelMultipleChoiceField(
        queryset=ConfigurationItem.objects.order_by("name"),
        required=False,
        label=_("Configuration items"),
    )
    assignment_group = forms.ModelChoiceField(
        queryset=SupportGroup.objects.filter(is_active=True).order_by("name"),
        required=False,
        label=_("Assignment group"),
    )
    assignee = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True, support_groups__isnull=False)
        .distinct()
        .order_by("username"),
        required=False,
        label=_("Assignee"),
    )
    five_whys = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        label=_("Analysis notes"),
        help_text=_("One step per line. For 5 whys write “why? | because”."),
    )

    class Meta:
        model = Problem
        fields = [
            "title",
            "description",
            "service",
            "cis",
            "category",
            "impact",
            "urgency",
            "assignment_group",
            "assignee",
            "rca_method",
            "root_cause",
            "workaround",
            "pdca_scope",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "root_cause": forms.Textarea(attrs={"rows": 3}),
            "workaround": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["version"].required = True
            self.fields["cis"].initial = list(self.instance.cis.all())
            self.fields["five_whys"].initial = "\n".join(
                "{q} | {a}".format(q=step.get("why", ""), a=step.get("because", "")).strip(" |")
                for step in self.instance.rca_notes or []
            )

    def clean(self):
        data = super().clean()
        steps = []
        for line in (data.pop("five_whys", "") or "").splitlines():
            if line.strip():
                why, _sep, because = line.partition("|")
                steps.append({"why": why.strip(), "because": because.strip()})
        data["rca_notes"] = steps
        return data


class ProblemTransitionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    root_cause = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Root cause")
    )
    workaround = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Workaround")
    )
    resolution_notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Resolution notes")
    )
    no_change_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label=_("Resolved without a change because"),
    )
    resolve_incidents = forms.BooleanField(
        required=False, initial=True, label=_("Also resolve the linked open incidents")
    )
    cancel_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Reason for cancelling")
    )

    def __init__(self, *args, transition=None, **kwargs):
        super().__init__(*args, **kwargs)
        keep = set(transition.fields if transition else ()) | {"version"}
        if transition is not None and transition.name == "resolve":
            keep.add("resolve_incidents")
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]


class LinkIncidentForm(forms.Form):
    incident = forms.CharField(label=_("Incident number"), max_length=16)


class ProblemCommentForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Text"))
    kind = forms.ChoiceField(
        choices=TimelineKind.choices, initial=TimelineKind.WORK_NOTE, label=_("Kind")
    )
