"""User Markdown is rendered and sanitised: no script, no event handler, no javascript: URL."""

import re

import pytest

from core.markdown import markdown_render


def test_markdown_renders_formatting_and_links():
    html = markdown_render("**Bold** and [docs](https://example.com)")
    assert "<strong>Bold</strong>" in html
    assert 'href="https://example.com"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<svg onload=alert(1)>",
    ],
)
def test_hostile_input_is_neutralised(payload):
    html = markdown_render(payload).lower()
    tags = re.findall(r"<([a-z]+)([^>]*)>", html)
    assert {name for name, _ in tags} <= {"p", "a"}
    for _, attrs in tags:
        assert not re.search(r"\son\w+\s*=", attrs)
        assert "javascript:" not in attrs
