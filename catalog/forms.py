"""Catalog forms: validation and widgets only; views hand cleaned_data to a service."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from catalog.models import ConfigurationItem, Service, SupportGroup
from core.forms import SafeModelMultipleChoiceField

User = get_user_model()


class VersionedForm(forms.ModelForm):
    """Carries the version the user started from, so a concurrent edit is caught."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["version"].required = True
        for field in self.fields.values():
            if isinstance(field.widget, forms.SelectMultiple):
                field.widget.attrs.setdefault("size", 8)


class ServiceForm(VersionedForm):
    class Meta:
        model = Service
        fields = [
            "name", "description", "owner", "support_group", "criticality", "sla_policy",
            "lifecycle",
        ]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


class ConfigurationItemForm(VersionedForm):
    services = SafeModelMultipleChoiceField(
        queryset=Service.objects.order_by("name"), required=False, label=_("Services")
    )

    class Meta:
        model = ConfigurationItem
        fields = ["name", "kind", "description", "services", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class SupportGroupForm(VersionedForm):
    members = SafeModelMultipleChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("username"),
        required=False,
        label=_("Members"),
    )

    class Meta:
        model = SupportGroup
        fields = ["name", "description", "email", "manager", "members", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


IMPORT_MAX_BYTES = 5 * 1024 * 1024


class CatalogImportForm(forms.Form):
    """A CSV file of one catalog kind, optionally checked without saving."""

    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=[
            ("groups", _("Support groups")),
            ("services", _("Services")),
            ("cis", _("Configuration items")),
        ],
        help_text=_(
            "Import groups first, then services, then CIs: each refers to the ones before."
        ),
    )
    file = forms.FileField(
        label=_("CSV file"), help_text=_("UTF-8, comma-separated, with the export's header.")
    )
    dry_run = forms.BooleanField(
        label=_("Check only (save nothing)"), required=False, initial=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than {mb} MB.").format(mb=IMPORT_MAX_BYTES // 1024 // 1024)
            )
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from None
