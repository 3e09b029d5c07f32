"""Row makers for the PDCA lists (used by tests/test_list_queries.py): each adds one row."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.factories import IncidentFactory, ServiceFactory


def _admin():
    return get_user_model().objects.get(username="admin")


def strategy():
    from pdca.models import Strategy

    n = Strategy.objects.count()
    made = Strategy.objects.create(
        name="s{n}".format(n=n), vision="v", owner=_admin(),
        horizon_start=dt.date(2026, 1, 1), horizon_end=dt.date(2027, 1, 1),
    )  # fmt: skip
    made.services.add(ServiceFactory())
    return made


def cycle():
    from pdca.models import Cycle

    return Cycle.objects.create(
        strategy=strategy(), name="c", start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31)
    )


def goal():
    from pdca.models import Goal

    made = Goal.objects.create(
        cycle=cycle(), name="g", kpi="mttr_hours", target=4, direction="at_most", priorities=[1]
    )
    made.services.add(ServiceFactory())
    return made


def review():
    from pdca.services import review_run

    made = goal()
    start = timezone.now() - dt.timedelta(days=7)
    IncidentFactory(opened_at=start, resolved_at=start + dt.timedelta(hours=9), state="resolved")
    return review_run(cycle_id=made.cycle_id, period_start=start, period_end=timezone.now())


def action():
    from pdca.models import ImprovementAction

    return ImprovementAction.objects.create(
        title="a", owner=_admin(), due_date=dt.date(2026, 1, 1), goal=goal(),
        problem=None, change=None, status="done", completed_at=timezone.now(),
    )  # fmt: skip


def strategic():
    from pdca.services import strategic_triage

    incident = IncidentFactory()
    return strategic_triage(actor=_admin(), kind="incident", record=incident.pk, reason="r")


PDCA_ROW_MAKERS = {
    "pdca:strategy_list": strategy,
    "pdca:cycle_list": cycle,
    "pdca:goal_list": goal,
    "pdca:action_list": action,
    "pdca:strategic_list": strategic,
    "pdca-api:strategy-list": strategy,
    "pdca-api:cycle-list": cycle,
    "pdca-api:goal-list": goal,
    "pdca-api:review-list": review,
    "pdca-api:improvementaction-list": action,
    "pdca-api:strategicitem-list": strategic,
}
