"""The top bar's main navigation, built in Python: as a template it reversed ten URLs and
checked nine permissions through the template engine on every page (a fifth of the queue
page's time). The links depend only on the user's permissions, the language and where the
user is; the URLs are reversed once per process."""

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

register = template.Library()

CURRENT = SafeString(' aria-current="page"')
Here = Callable[[str, str], bool]  # (app name, URL name) → is this link where the user is?


def _app(name: str) -> Here:
    return lambda app, url: app == name


# (URL name, label, the permission it needs (or "staff", or None), where it is current)
LINKS: tuple[tuple[str, str, str | None, Here], ...] = (
    ("home", gettext_noop("Home"), None, lambda app, url: url == "home"),
    (
        "incidents:incident_list",
        gettext_noop("Incidents"),
        "incidents.view_incident",
        lambda app, url: app == "incidents" and url != "portal",
    ),
    ("problems:problem_list", gettext_noop("Problems"), "problems.view_problem", _app("problems")),
    ("changes:change_list", gettext_noop("Changes"), "changes.view_change", _app("changes")),
    ("pdca:dashboard", gettext_noop("PDCA"), "pdca.view_cycle", _app("pdca")),
    ("incidents:portal", gettext_noop("My requests"), None, lambda app, url: url == "portal"),
    ("catalog:service_list", gettext_noop("Catalog"), "catalog.view_service", _app("catalog")),
    ("sla:policy_list", gettext_noop("SLA policies"), "sla.view_slapolicy", _app("sla")),
    ("api_docs", gettext_noop("API"), "catalog.view_service", lambda app, url: False),
    ("admin:index", gettext_noop("Admin"), "staff", lambda app, url: False),
)


@lru_cache(maxsize=64)
def _url(name: str, prefix: str, urlconf: Any) -> str:
    return reverse(name, urlconf=urlconf)  # (no language-prefixed URLs here)


@register.simple_tag(takes_context=True)
def main_nav(context: template.Context) -> str:
    """{% main_nav %}: the links this user may follow, the current one marked."""
    request = context["request"]
    user = request.user
    if not user.is_authenticated:
        return ""
    permissions = user.get_all_permissions()
    match = request.resolver_match
    app, url = (match.app_name, match.url_name) if match else ("", "")
    prefix, urlconf = get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF
    items = []
    for name, label, needs, here in LINKS:
        if needs == "staff" and not user.is_staff:
            continue
        if needs not in (None, "staff") and not (user.is_superuser or needs in permissions):
            continue
        items.append(
            (
                _url(name, prefix, urlconf),
                CURRENT if here(app, url) else "",
                _(label),
            )
        )
    return format_html(
        '<nav aria-label="{}"><ul class="nav">{}</ul></nav>',
        _("Main"),
        format_html_join("", '<li><a href="{}"{}>{}</a></li>', items),
    )
