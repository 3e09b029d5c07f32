from django import template

from incidents.presentation import SlaView, sla_html

register = template.Library()


@register.filter
def sla_badge(sla: SlaView) -> str:
    """{{ sla|sla_badge }}: the SLA bar, time left and % elapsed (see presentation.sla_html)."""
    return sla_html(sla)
