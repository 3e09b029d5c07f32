"""{% sort_link %} and {% filter_form %}: the list pages' headings and filter form."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from incidents.filters import IncidentFilterSet

pytestmark = pytest.mark.django_db


def render(source: str, url: str, **context) -> str:
    request = RequestFactory().get(url)
    return Template("{% load core_tags %}" + source).render(
        Context({"request": request, **context})
    )


def test_sort_link_sorts_then_reverses_and_goes_back_to_page_one():
    tag = '{% sort_link "opened" "Opened" %}'
    assert (
        render(tag, "/x/?queue=all&page=3") == '<a href="?queue=all&amp;ordering=opened">Opened</a>'
    )
    assert render(tag, "/x/?ordering=opened") == '<a href="?ordering=-opened">Opened ▲</a>'
    assert render(tag, "/x/?ordering=-opened") == '<a href="?ordering=opened">Opened ▼</a>'
    assert "▲" not in render(tag, "/x/?ordering=number")


def test_filter_form_keeps_the_values_escaped_and_shows_field_errors():
    url = '/incidents/?q="><script>x</script>&state=bogus&ordering=nonsense'
    data = RequestFactory().get(url).GET
    html = render(
        "{% filter_form filterset extra_hidden=queue %}",
        url,
        filterset=IncidentFilterSet(data),
        queue="mine",
    )
    assert "<script>" not in html
    assert 'value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in html
    assert '<input type="hidden" name="queue" value="mine">' in html
    assert html.count('class="error"') == 2  # the state and the sort order
    assert "Sort order: " in html
    assert 'hx-get="/incidents/"' in html
