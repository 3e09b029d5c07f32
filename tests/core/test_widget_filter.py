"""{{ field|widget }} renders selects itself (fast); it must produce what Django renders."""

import re

import pytest
from django import forms
from django.contrib.auth import get_user_model

from core.templatetags.core_tags import widget
from incidents.filters import IncidentFilterSet
from incidents.models import Incident
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db


def normalised(html: str) -> tuple[set[str], str]:
    """The select's attributes as a set (order differs) and its options, whitespace-free."""
    html = re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(html))).strip()
    opening = re.match(r"<select([^>]*)>", html)
    assert opening, html
    return set(opening.group(1).split()), html[opening.end() :]


class Sample(forms.Form):
    colour = forms.ChoiceField(choices=[("r", "Red"), ("g", "<Green>")], help_text="Pick one")
    tags = forms.MultipleChoiceField(choices=[(1, "One"), (2, "Two"), (3, "Three")])
    owner = forms.ModelChoiceField(queryset=get_user_model().objects.order_by("pk"))
    optional = forms.ChoiceField(choices=[("", "—"), ("x", "X")], required=False, disabled=True)
    text = forms.CharField()


@pytest.mark.parametrize(
    "data",
    [None, {"colour": "g", "tags": ["1", "3"], "owner": "1"}, {"colour": "bad", "tags": ["9"]}],
)
def test_selects_render_as_django_renders_them(data, agent, manager):
    form = Sample(data)
    if data:
        form.is_valid()  # errors add aria-invalid
    for name in ("colour", "tags", "owner", "optional"):
        assert normalised(widget(form[name])) == normalised(str(form[name])), name
    assert str(widget(form["text"])) == str(form["text"])  # not a select: Django renders it


def test_filter_form_selects_match(agent):
    service = ServiceFactory()
    for data in (
        None,
        {"state": ["new", "on_hold"], "service": str(service.pk), "is_major": "true"},
    ):
        filterset = IncidentFilterSet(data, queryset=Incident.objects.none())
        for field in filterset.form:
            if isinstance(field.field.widget, forms.Select):
                assert normalised(widget(field)) == normalised(str(field)), field.name


class Inputs(forms.Form):
    title = forms.CharField(max_length=20, help_text="Short")
    count = forms.IntegerField(min_value=1, required=False)
    email = forms.EmailField(widget=forms.EmailInput(attrs={"placeholder": 'a "quoted" <b>'}))
    version = forms.IntegerField(widget=forms.HiddenInput)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    agree = forms.BooleanField(required=False)
    locked = forms.CharField(disabled=True, initial="fixed & final")
    upload = forms.FileField(required=False)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"title": 'Mail <down> & "out"', "count": "3", "email": "a@example.com", "version": "7",
         "notes": "line 1\n<script>x</script>", "agree": "on"},
        {"title": "x" * 30, "count": "zero", "email": "not-an-address", "version": ""},
    ],
)  # fmt: skip
def test_inputs_and_textareas_render_as_django_renders_them(data):
    form = Inputs(data, initial={"count": 2, "notes": "from <initial>"})
    if data:
        form.is_valid()  # errors add aria-invalid
    for name in form.fields:
        assert str(widget(form[name])) == str(form[name]), name


def test_the_incident_page_renders_its_forms_as_before(client, agent):
    """The page's inputs go through the filter: a textarea, hidden versions, a file."""
    from tests.factories import IncidentFactory

    incident = IncidentFactory()
    client.force_login(agent)
    page = client.get("/incidents/{n}/".format(n=incident.number)).text
    assert '<textarea name="body" cols="40" rows="3" required id="id_body">\n</textarea>' in page
    assert '<input type="hidden" name="version" value="1" id="id_version">' in page
    assert '<input type="file" name="file" required id="id_file">' in page
