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
