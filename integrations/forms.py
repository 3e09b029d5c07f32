"""Integration forms: validation and widgets only; views hand cleaned_data to a service."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from integrations.models import AlertRule, Integration, TokenScope


class PersonalTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. my laptop")
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=[(TokenScope.READ, TokenScope.READ.label), (TokenScope.WRITE, TokenScope.WRITE.label)],
    )  # fmt: skip


class IntegrationTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    scope = forms.ChoiceField(
        label=_("Scope"), choices=TokenScope.choices, initial=TokenScope.INTEGRATION
    )


class IntegrationForm(forms.ModelForm):
    class Meta:
        model = Integration
        fields = [
            "name", "kind", "default_service", "default_impact", "default_urgency",
            "resolve_incidents", "is_active",
        ]  # fmt: skip


class AlertRuleForm(forms.ModelForm):
    class Meta:
        model = AlertRule
        fields = ["position", "label", "pattern", "service", "ci", "impact", "urgency"]

    def clean_pattern(self):
        pattern = self.cleaned_data["pattern"]
        try:
            re.compile(pattern)
        except re.error as err:
            raise forms.ValidationError(
                _("Not a valid regular expression: {error}").format(error=err)
            ) from None
        return pattern

    def clean(self):
        data = super().clean()
        if not any(data.get(f) for f in ("service", "ci", "impact", "urgency")):
            raise forms.ValidationError(_("Set at least one of service, CI, impact or urgency."))
        return data
