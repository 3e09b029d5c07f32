"""PDCA forms: validation and widgets; views hand cleaned_data to a service."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from catalog.forms import VersionedForm
from catalog.models import Service
from core.forms import SafeModelMultipleChoiceField
from incidents.choices import Priority
from pdca.choices import Decision, RecordKind
from pdca.models import Cycle, Goal, ImprovementAction, Strategy

User = get_user_model()
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _year_ok(value):
    if value and not 1900 <= value.year <= 9998:
        raise forms.ValidationError(_("Give a date between 1900 and 9998."))
    return value


class StrategyForm(VersionedForm):
    services = SafeModelMultipleChoiceField(
        queryset=Service.objects.order_by("name"),
        required=False,
        label=_("Services"),
        help_text=_("None: the strategy covers every service."),
    )

    class Meta:
        model = Strategy
        fields = [
            "name", "vision", "objectives", "owner", "horizon_start", "horizon_end", "services",
        ]  # fmt: skip
        widgets = {
            "vision": forms.Textarea(attrs={"rows": 3}),
            "objectives": forms.Textarea(attrs={"rows": 4}),
            "horizon_start": DATE,
            "horizon_end": DATE,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(is_active=True).order_by("username")

    def clean_horizon_start(self):
        return _year_ok(self.cleaned_data.get("horizon_start"))

    def clean_horizon_end(self):
        return _year_ok(self.cleaned_data.get("horizon_end"))

    def clean(self):
        data = super().clean()
        start, end = data.get("horizon_start"), data.get("horizon_end")
        if start and end and end <= start:
            self.add_error("horizon_end", _("The horizon must end after it starts."))
        return data


class CycleForm(VersionedForm):
    class Meta:
        model = Cycle
        fields = ["strategy", "name", "start", "end", "review_days", "phase"]
        widgets = {"start": DATE, "end": DATE}

    def clean_start(self):
        return _year_ok(self.cleaned_data.get("start"))

    def clean_end(self):
        return _year_ok(self.cleaned_data.get("end"))

    def clean_review_days(self):
        days = self.cleaned_data.get("review_days")
        if days is not None and not 1 <= days <= 366:
            raise forms.ValidationError(_("Review every 1 to 366 days."))
        return days

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", _("The cycle must end after it starts."))
        return data


class GoalForm(VersionedForm):
    services = SafeModelMultipleChoiceField(
        queryset=Service.objects.order_by("name"),
        required=False,
        label=_("Services"),
        help_text=_("None: every service."),
    )
    priorities = forms.TypedMultipleChoiceField(
        choices=Priority.choices,
        coerce=int,
        required=False,
        label=_("Priorities"),
        help_text=_("None: every priority."),
    )

    class Meta:
        model = Goal
        fields = [
            "cycle",
            "name",
            "kpi",
            "target",
            "direction",
            "services",
            "priorities",
            "aged_days",
        ]
        error_messages = {
            "kpi": {"required": _("Choose the KPI the goal is measured by.")},
            "target": {"required": _("Give the target the KPI must reach.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].queryset = Cycle.objects.select_related("strategy").order_by("-start")

    def clean_target(self):
        target = self.cleaned_data.get("target")
        if target is not None and not -1e9 < target < 1e9:
            raise forms.ValidationError(_("Give a realistic target."))
        return target


class ImprovementActionForm(VersionedForm):
    class Meta:
        model = ImprovementAction
        fields = [
            "title", "description", "owner", "due_date", "status", "expected_benefit", "goal",
            "problem", "change",
        ]  # fmt: skip
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "expected_benefit": forms.Textarea(attrs={"rows": 2}),
            "due_date": DATE,
        }

    problem = forms.CharField(
        required=False, label=_("Carried out by problem"), help_text=_("A problem number.")
    )
    change = forms.CharField(
        required=False, label=_("Carried out by change"), help_text=_("A change number.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(is_active=True).order_by("username")
        self.fields["goal"].queryset = Goal.objects.select_related("cycle").order_by("name")
        if self.instance.pk:
            self.initial["problem"] = self.instance.problem.number if self.instance.problem else ""
            self.initial["change"] = self.instance.change.number if self.instance.change else ""

    def clean_due_date(self):
        return _year_ok(self.cleaned_data.get("due_date"))

    def _record(self, name, model):
        number = (self.cleaned_data.get(name) or "").strip().upper()
        if not number:
            return None
        record = model.objects.filter(number=number).first()
        if record is None:
            raise forms.ValidationError(_("No record with this number."))
        return record

    def clean_problem(self):
        from problems.models import Problem

        return self._record("problem", Problem)

    def clean_change(self):
        from changes.models import Change

        return self._record("change", Change)


class TriageForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this strategic?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": _("Say why this needs a strategic decision.")},
    )


class RaiseForm(TriageForm):
    """Raise any record (incident, problem or change) to the strategic queue by number."""

    kind = forms.ChoiceField(label=_("Record"), choices=RecordKind.choices)
    number = forms.CharField(label=_("Number"), max_length=16)

    field_order = ["kind", "number", "reason"]

    def clean_number(self):
        return self.cleaned_data["number"].strip().upper()


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices, label=_("Decision"))
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": _("Write a note for the decision.")},
    )
    new_target = forms.FloatField(
        label=_("New target"),
        required=False,
        min_value=-1e9,
        max_value=1e9,
        help_text=_("Only when revising a goal; empty keeps the target."),
    )


class RecordCycleForm(forms.Form):
    cycle = forms.ModelChoiceField(
        queryset=Cycle.objects.select_related("strategy").order_by("-start"),
        required=False,
        label=_("Cycle"),
        empty_label=_("Automatic (the cycle covering its date and service)"),
    )


class LinkRecordForm(forms.Form):
    """Count a record (by number) towards a cycle, by hand."""

    kind = forms.ChoiceField(label=_("Record"), choices=RecordKind.choices)
    number = forms.CharField(label=_("Number"), max_length=16)

    def clean_number(self):
        return self.cleaned_data["number"].strip().upper()
