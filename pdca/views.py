"""The managers' PDCA dashboard."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core.exceptions import DomainError
from core.views import StaffRequiredMixin
from pdca import selectors, services
from pdca.kpis import CATALOGUE

CHART_W, CHART_H = 240, 64


def _chart(series, target):
    """SVG geometry for a goal's trend against its target line (drawn server-side: no
    script, so the CSP stays strict)."""
    values = [p["value"] for p in series]
    top = max([v for v in values if v is not None] + [target]) * 1.15 or 1

    def y(v):
        return round(CHART_H - (v / top) * CHART_H, 1)

    step = CHART_W / max(len(values) - 1, 1)
    points = [
        (round(i * step, 1), y(v), p["status"])
        for i, (v, p) in enumerate(zip(values, series, strict=True))
        if v is not None
    ]
    return {
        "w": CHART_W,
        "h": CHART_H,
        "target_y": y(target),
        "line": " ".join("{x},{y}".format(x=x, y=yy) for x, yy, _s in points),
        "points": points,
    }


class DashboardView(StaffRequiredMixin, TemplateView):
    permission_required = "pdca.view_cycle"
    template_name = "pdca/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cycles = []
        for cycle in selectors.dashboard_cycles():
            goals = []
            for goal in cycle.goals.all():
                series = selectors.goal_series(goal)
                goals.append(
                    {
                        "goal": goal,
                        "kpi": CATALOGUE[goal.kpi],
                        "latest": goal.snapshots.all()[len(series) - 1] if series else None,
                        "chart": _chart(series, goal.target),
                    }
                )
            reviews = list(cycle.reviews.all())
            cycles.append(
                {"cycle": cycle, "goals": goals, "last_review": reviews[0] if reviews else None}
            )
        context["cycles"] = cycles
        context["strategic"] = selectors.strategic_findings()
        return context


class ReviewNowView(StaffRequiredMixin, View):
    permission_required = "pdca.add_review"
    http_method_names = ["post"]

    def post(self, request, pk):
        from pdca.models import Cycle

        if not Cycle.objects.filter(pk=pk).exists():
            raise Http404
        try:
            review = services.review_run_now(actor=request.user, cycle_id=pk)
        except DomainError as err:
            messages.error(request, err.message)
        else:
            if review is None:
                messages.info(request, _("This period has just been reviewed."))
            else:
                messages.success(request, _("Review done."))
        return redirect("pdca:dashboard")
