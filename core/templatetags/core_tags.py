"""Template helpers: Markdown rendering, query-string edits for list pages."""

from django import template
from django.http import QueryDict
from django.utils.safestring import SafeString

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
