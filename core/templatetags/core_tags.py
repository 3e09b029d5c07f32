"""Template helpers: Markdown rendering, query-string edits for list pages."""

from typing import Any

from django import forms, template
from django.forms.utils import flatatt
from django.http import QueryDict
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core.cache import choices_from_cache, choices_html
from core.markdown import markdown_render

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    return markdown_render(text)


@register.simple_tag(takes_context=True)
def query_replace(context: template.Context, **changes: object) -> str:
    """The current query string with some parameters replaced (for sort and page links)."""
    query: QueryDict = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = str(value)
    return query.urlencode()


@register.filter
def duration(value, mode: str = "") -> str:
    """A timedelta as "2 d 3 h", "3 h 05 min" or "12 min"; negative values get a minus
    unless the mode is "abs"."""
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    sign = "−" if seconds < 0 and mode != "abs" else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return "{s}{d} d {h} h".format(s=sign, d=days, h=hours)
    if hours:
        return "{s}{h} h {m:02d} min".format(s=sign, h=hours, m=minutes)
    return "{s}{m} min".format(s=sign, m=minutes)


_PLAIN_SELECTS = (forms.Select, forms.SelectMultiple)
# Django's widget templates that are its input.html (or textarea.html) as they are.
_INPUT_TEMPLATES = {
    "django/forms/widgets/{t}.html".format(t=t)
    for t in (
        "input", "text", "number", "email", "url", "password", "hidden", "date", "datetime",
        "time", "search", "tel", "color", "file", "checkbox",
    )
}  # fmt: skip
_TEXTAREA_TEMPLATE = "django/forms/widgets/textarea.html"


def _plain(value: Any) -> str:
    """A value as stringformat:'s' gives it: a plain str, escaped even if marked safe."""
    return "{}".format(value)


def _attrs(attrs: dict[str, Any]) -> str:
    """Django's widgets/attrs.html: True → the name alone, False → left out."""
    return "".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, _plain(value))
        for name, value in attrs.items()
        if value is not False
    )


def _input_html(bound: forms.BoundField) -> str | None:
    """An input or textarea as Django's templates render it, without the template engine
    (a few per form, tens of them on an incident page); None for any other widget."""
    field_widget = bound.field.widget
    template_name = field_widget.template_name
    if template_name not in _INPUT_TEMPLATES and template_name != _TEXTAREA_TEMPLATE:
        return None
    if getattr(bound.field, "show_hidden_initial", False) or bound.field.localize:
        return None
    # As BoundField.as_widget() builds them.
    attrs = bound.build_widget_attrs({}, field_widget)
    if bound.auto_id and "id" not in field_widget.attrs:
        attrs.setdefault("id", bound.auto_id)
    context = field_widget.get_context(bound.html_name, bound.value(), attrs)["widget"]
    attributes = SafeString(_attrs(context["attrs"]))
    if template_name == _TEXTAREA_TEMPLATE:
        return format_html(
            '<textarea name="{}"{}>\n{}</textarea>',
            context["name"],
            attributes,
            context["value"] or "",
        )
    value = context["value"]
    return format_html(
        '<input type="{}" name="{}"{}{}>',
        context["type"],
        context["name"],
        format_html(' value="{}"', _plain(value)) if value is not None else "",
        attributes,
    )


@register.filter
def widget(bound: forms.BoundField) -> str:
    """{{ field|widget }}: a select rendered straight from its choices (Django's widget
    templates render each option through the template engine: most of a list page's
    time with a few hundred options), inputs and textareas likewise; any other field as
    Django renders it."""
    select = bound.field.widget
    if type(select) not in _PLAIN_SELECTS or getattr(bound.field, "show_hidden_initial", False):
        html = _input_html(bound)
        return str(bound) if html is None else html
    value = bound.value()
    values = value if isinstance(value, list | tuple) else [value]
    if value is None and select.allow_multiple_selected:
        values = []
    selected = {"" if v is None else str(v) for v in values}
    options = []
    for option_value, label in select.choices:
        if isinstance(label, list | tuple):  # option groups: leave them to Django
            return str(bound)
        option_value = "" if option_value is None else str(option_value)
        options.append((option_value, " selected" if option_value in selected else "", label))
    # As BoundField.as_widget() and Select.get_context() build them.
    attrs = bound.build_widget_attrs({}, select)
    if bound.auto_id and "id" not in select.attrs:
        attrs.setdefault("id", bound.auto_id)
    attrs = {"name": bound.html_name, **select.build_attrs(select.attrs, attrs)}
    if select.allow_multiple_selected:
        attrs["multiple"] = True
    return format_html(
        "<select{}>{}</select>",
        flatatt(attrs),
        format_html_join("", '<option value="{}"{}>{}</option>', options),
    )


@register.simple_tag(takes_context=True)
def sort_link(context: template.Context, field: str, label: str) -> str:
    """{% sort_link "opened" _("Opened") %}: a column heading that sorts the list by `field`,
    the other way round when it already does, with ▲ or ▼ on the current one."""
    query: QueryDict = context["request"].GET
    current = query.get("ordering")
    changed = query.copy()
    changed.pop("page", None)
    changed["ordering"] = "-" + field if current == field else field
    mark = " ▲" if current == field else " ▼" if current == "-" + field else ""
    return format_html('<a href="?{}">{}{}</a>', changed.urlencode(), label, mark)


@register.simple_tag(takes_context=True)
def filter_form(context: template.Context, filterset: Any, extra_hidden: str = "") -> str:
    """{% filter_form filterset %}: a list page's filter form (htmx updates the results as
    the selects change), built in Python like the rows it filters. Unfiltered, as a list
    page first opens, it is the same for everyone and comes from the cache (choices_html)."""
    path = context["request"].path
    kind = getattr(filterset, "filterset_class", type(filterset))  # core.views.Unfiltered
    scope = "{m}.{c}".format(m=kind.__module__, c=kind.__name__)
    if filterset.is_bound:
        choices_from_cache(filterset.form, scope)
        return _filter_form_html(filterset.form, path, extra_hidden)
    return choices_html(
        scope,
        path + "?" + extra_hidden,
        lambda: filterset.form,
        lambda form: _filter_form_html(form, path, extra_hidden),
    )


def _filter_form_html(form: forms.Form, path: str, extra_hidden: str) -> str:
    fields = []
    for field in form:
        if field.name == "ordering":
            continue
        if field.name == "q":
            control = format_html(
                '<input type="search" name="q" id="{}" value="{}">',
                field.id_for_label,
                field.value() or "",
            )
        else:
            control = widget(field)
        fields.append(
            format_html(
                '<div class="field"><label for="{}">{}</label>{}{}</div>',
                field.id_for_label,
                field.label,
                control,
                _errors(field.errors),
            )
        )
    ordering = form["ordering"].errors if "ordering" in form.fields else []
    return format_html(
        '<form method="get" class="filters" hx-get="{path}" hx-target="#results" '
        'hx-push-url="true" hx-trigger="submit, input changed delay:400ms from:input[type=search],'
        ' change from:select">{hidden}{fields}{ordering}<div class="actions">'
        '<button type="submit" class="button">{filter}</button>'
        '<a class="button" href="{path}">{clear}</a></div></form>',
        path=path,
        hidden=format_html('<input type="hidden" name="queue" value="{}">', extra_hidden)
        if extra_hidden
        else "",
        fields=SafeString("".join(fields)),
        ordering=_errors(ordering, prefix=_("Sort order") + ": "),
        filter=_("Filter"),
        clear=_("Clear"),
    )


def _errors(errors: Any, prefix: str = "") -> str:
    return format_html_join(
        "", '<p class="error" role="alert">{}{}</p>', ((prefix, error) for error in errors)
    )
