"""PDCA writes: the periodic review — one per cycle and period, whatever the scheduler does."""

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, Count, F, IntegerField, Q, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from changes.models import Change
from core.choices import Scope
from core.events import event_emit
from core.exceptions import DomainError, PermissionDenied
from core.services import fields_apply, locked_get, permission_require, record_lock, version_bump
from incidents.models import Incident
from pdca import stats
from pdca.choices import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    Decision,
    Direction,
    GoalStatus,
    StrategicKind,
    Trend,
    Verdict,
)
from pdca.kpis import CATALOGUE, MEAN_KPIS, KpiScope, kpi_compute, kpi_distribution
from pdca.models import (
    ActionCheck,
    Cycle,
    Finding,
    Goal,
    GoalSnapshot,
    ImprovementAction,
    RecordCycle,
    Review,
    StrategicItem,
    Strategy,
)
from pdca.selectors import cycle_covering
from problems.models import Problem, ProblemIncident, SuggestedProblem
from problems.selectors import OPEN_STATES as PROBLEM_OPEN_STATES

AT_RISK_MARGIN = 0.10  # within 10 % of the target on the wrong side
STALE_PROBLEM_DAYS = 30


def goal_status(goal: Goal, value: float | None) -> str:
    """On track when the target is met; at risk within the margin; off track beyond."""
    if value is None:
        return GoalStatus.NO_DATA
    target = goal.target
    margin = abs(target) * AT_RISK_MARGIN or AT_RISK_MARGIN
    if goal.direction == Direction.AT_MOST:
        if value <= target:
            return GoalStatus.ON_TRACK
        return GoalStatus.AT_RISK if value <= target + margin else GoalStatus.OFF_TRACK
    if value >= target:
        return GoalStatus.ON_TRACK
    return GoalStatus.AT_RISK if value >= target - margin else GoalStatus.OFF_TRACK


def _trend(goal: Goal, value: float | None, previous: GoalSnapshot | None) -> str:
    if previous is None or previous.value is None or value is None:
        return Trend.NONE
    if value == previous.value:
        return Trend.SAME
    better = (
        value < previous.value if goal.direction == Direction.AT_MOST else value > previous.value
    )
    return Trend.BETTER if better else Trend.WORSE


def review_period_due(cycle: Cycle, *, now: datetime) -> tuple[datetime, datetime] | None:
    """The latest full review period of the cycle that has ended by `now`, if any."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(cycle.start, datetime.min.time(), tz)
    cycle_end = datetime.combine(cycle.end, datetime.min.time(), tz) + timedelta(days=1)
    step = timedelta(days=cycle.review_days)
    done = int((min(now, cycle_end) - start) / step)
    if done < 1:
        return None
    period_start = start + (done - 1) * step
    return period_start, period_start + step


def review_run(
    *,
    cycle_id: int,
    period_start: datetime,
    period_end: datetime,
    now: datetime | None = None,
    on_demand: bool = False,
) -> Review | None:
    """Measure every goal of the cycle for the period, store snapshots and findings.

    Returns None when the period was already reviewed: the unique constraint, not a check,
    decides, so two schedulers or workers produce one review. All in one transaction, so an
    interrupted review leaves nothing and runs again next time.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            review = Review.objects.create(
                cycle_id=cycle_id,
                period_start=period_start,
                period_end=period_end,
                created_at=now,
                on_demand=on_demand,
            )
            _measure(review, now)
            event_emit(
                "review.completed",
                review.cycle,
                review_id=review.pk,
                period_start=period_start.isoformat(),
                period_end=period_end.isoformat(),
            )
    except IntegrityError:
        return None
    return review


def _measure(review: Review, now: datetime) -> None:
    goals = list(Goal.objects.filter(cycle_id=review.cycle_id).prefetch_related("services"))
    latest_previous: dict[int, GoalSnapshot] = {}
    for snapshot in GoalSnapshot.objects.filter(
        goal__in=goals, review__period_start__lt=review.period_start, review__on_demand=False
    ).order_by("-review__period_start"):
        latest_previous.setdefault(snapshot.goal_id, snapshot)
    snapshots, findings = [], []
    for goal in goals:
        scope = KpiScope(
            services=tuple(s.pk for s in goal.services.all()),
            priorities=tuple(goal.priorities or ()),
        )
        value = kpi_compute(
            goal.kpi,
            start=review.period_start,
            end=review.period_end,
            scope=scope,
            aged_days=goal.aged_days,
        )
        status = goal_status(goal, value.value)
        before = latest_previous.get(goal.pk)
        snapshots.append(
            GoalSnapshot(
                review=review,
                goal=goal,
                value=value.value,
                sample=value.sample,
                target=goal.target,
                status=status,
                trend=_trend(goal, value.value, before),
            )
        )
        if status == GoalStatus.OFF_TRACK:
            twice = (
                not review.on_demand
                and before is not None
                and before.status == GoalStatus.OFF_TRACK
            )
            findings.append(
                Finding(
                    review=review,
                    goal=goal,
                    kind="goal_off_track",
                    strategic=twice,
                    url=goal.get_absolute_url(),
                    text=(
                        _(
                            "{goal} is off track for the second review in a row ({value} against {target}): a strategic question now."
                        )
                        if twice
                        else _("{goal} is off track: {value} against a target of {target}.")
                    ).format(goal=goal.name, value=value.value, target=goal.target),
                )
            )
    GoalSnapshot.objects.bulk_create(snapshots)
    findings += _operational_findings(review, now)
    findings += _recurring_after_fix_findings(review)
    Finding.objects.bulk_create(findings)
    _actions_propose(review, findings)
    _strategic_escalate(review, findings, now)
    _actions_check(review, now)
    record_links_refresh(cycle_id=review.cycle_id)


def _operational_findings(review: Review, now: datetime) -> list[Finding]:
    """Breached SLAs, failed changes, stale problems and recurring clusters in the period."""
    start, end = review.period_start, review.period_end
    breached = Incident.objects.filter(
        resolved_at__gte=start, resolved_at__lt=end, sla_state="breached_met"
    ).count()
    breached += Incident.objects.filter(opened_at__lt=end, sla_state="breached").count()
    failed = (
        Change.objects.filter(closed_at__gte=start, closed_at__lt=end)
        .filter(Q(outcome__in=["failed", "backed_out"]) | Q(caused_incident_links__isnull=False))
        .distinct()
        .count()
    )
    stale = Problem.objects.filter(
        state__in=PROBLEM_OPEN_STATES, updated_at__lt=now - timedelta(days=STALE_PROBLEM_DAYS)
    ).count()
    clusters = SuggestedProblem.objects.filter(status="open").aggregate(n=Count("pk"))["n"]
    # Where the records behind each finding are (the queues' own filters).
    urls = {
        "sla_breaches": reverse("incidents:incident_list")
        + "?"
        + urlencode([("sla_state", "breached"), ("sla_state", "breached_met")]),
        "failed_changes": reverse("changes:change_list") + "?state=closed",
        "stale_problems": reverse("problems:problem_list"),
        "recurring_incidents": reverse("problems:suggestion_list"),
    }
    findings = []
    for kind, count, text in (
        ("sla_breaches", breached, _("{n} incidents breached their resolution SLA.")),
        ("failed_changes", failed, _("{n} changes failed, were backed out or caused incidents.")),
        ("stale_problems", stale, _("{n} open problems have not moved for {days} days.")),
        (
            "recurring_incidents",
            clusters,
            _("{n} clusters of recurring incidents wait for a problem."),
        ),
    ):
        if count:
            findings.append(
                Finding(
                    review=review,
                    kind=kind,
                    text=text.format(n=count, days=STALE_PROBLEM_DAYS),
                    url=urls[kind],
                )
            )
    return findings


def reviews_run_due(*, now: datetime | None = None) -> int:
    """Run the due review of every active cycle; returns how many were created."""
    now = now or timezone.now()
    created = 0
    today = timezone.localdate(now)
    for cycle in Cycle.objects.filter(start__lte=today, end__gte=today - timedelta(days=31)):
        period = review_period_due(cycle, now=now)
        if period and review_run(
            cycle_id=cycle.pk, period_start=period[0], period_end=period[1], now=now
        ):
            created += 1
    return created


def review_run_now(*, actor: Any, cycle_id: int, now: datetime | None = None) -> Review | None:
    """A manager's on-demand look at the period so far (since the last full period).

    It is marked on_demand: it never takes a scheduled period's place, and it does not count
    for trends or escalation. Raises: permission_denied, cycle_not_started.
    """
    if not actor.has_perm("pdca.add_review"):
        raise PermissionDenied()
    now = now or timezone.now()
    cycle = Cycle.objects.get(pk=cycle_id)
    tz = timezone.get_current_timezone()
    cycle_start = datetime.combine(cycle.start, datetime.min.time(), tz)
    if now <= cycle_start:
        raise DomainError("cycle_not_started", _("The cycle has not started yet."), status=409)
    due = review_period_due(cycle, now=now)
    start = due[1] if due else cycle_start
    if start >= now:
        start = due[0] if due else cycle_start
    return review_run(
        cycle_id=cycle.pk, period_start=start, period_end=now, now=now, on_demand=True
    )


# --- Act: the improvement register ----------------------------------------------------------

ACTION_DUE_DAYS = 14  # a proposed action is due two weeks after the review that proposed it
CHECK_MAX_WINDOW = timedelta(days=90)  # compare at most 90 days before vs 90 days after
CHECK_MIN_WINDOW = timedelta(days=7)  # under a week after completion: too early to tell
CHECK_HORIZON = timedelta(days=180)  # done actions are re-checked for half a year
CHECK_MIN_EFFECT = 0.05  # under a 5 % relative change the verdict is "no measurable change"

ACTION_FIELDS = (
    "title", "description", "owner", "due_date", "status", "expected_benefit", "goal",
    "problem", "change",
)  # fmt: skip


def _action_titles() -> dict[str, str]:
    return {
        "sla_breaches": _("Reduce resolution SLA breaches"),
        "failed_changes": _("Reduce failed and backed-out changes"),
        "stale_problems": _("Move stale problems forward"),
        "recurring_incidents": _("Open problems for clusters of recurring incidents"),
        "recurring_after_fix": _("Find out why incidents recur after their problem was resolved"),
    }


def _actions_propose(review: Review, findings: list[Finding]) -> None:
    """Give every finding an action: the open one already answering it, or a new proposal."""
    if not findings:
        return
    cycle = Cycle.objects.select_related("strategy").get(pk=review.cycle_id)
    open_actions = ImprovementAction.objects.filter(status__in=OPEN_ACTION_STATUSES).filter(
        Q(goal__cycle_id=cycle.pk) | Q(goal__isnull=True, source_finding__review__cycle_id=cycle.pk)
    )
    by_goal: dict[int, ImprovementAction] = {}
    by_kind: dict[str, ImprovementAction] = {}
    for action in open_actions.select_related("source_finding").order_by("pk"):
        if action.goal_id:
            by_goal.setdefault(action.goal_id, action)
        elif action.source_finding is not None:
            by_kind.setdefault(action.source_finding.kind, action)
    due = timezone.localdate(review.period_end) + timedelta(days=ACTION_DUE_DAYS)
    titles = _action_titles()
    for finding in findings:
        action = by_goal.get(finding.goal_id) if finding.goal_id else by_kind.get(finding.kind)
        if action is None:
            title = (
                _("Bring “{goal}” back on track").format(goal=finding.goal.name)
                if finding.goal_id
                else titles.get(finding.kind, finding.text[:200])
            )
            action = ImprovementAction.objects.create(
                title=title[:200],
                description=finding.text,
                owner_id=cycle.strategy.owner_id,
                due_date=due,
                goal_id=finding.goal_id,
                source_finding=finding,
            )
            if finding.goal_id:
                by_goal[finding.goal_id] = action
            else:
                by_kind[finding.kind] = action
        finding.action = action
    Finding.objects.bulk_update(findings, ["action"])


def _goal_scope(goal: Goal) -> KpiScope:
    return KpiScope(
        services=tuple(s.pk for s in goal.services.all()),
        priorities=tuple(goal.priorities or ()),
    )


def action_effect(action: ImprovementAction, *, until: datetime) -> dict[str, Any]:
    """Did the action work? The goal's KPI over equal windows before and after the action's
    completion (the after window ends at `until`, at most CHECK_MAX_WINDOW), the sample sizes
    and a two-sided test suited to the KPI: Mann-Whitney U on durations (MTTR), a
    two-proportion z-test on rates, a Poisson comparison on counts (a backlog is treated as
    a count at the end of each window). A significant change of less than CHECK_MIN_EFFECT
    of the before value is "no measurable change". A few aggregate queries, whatever the row
    count."""
    goal = action.goal
    done_at = action.completed_at
    window = min(until - done_at, CHECK_MAX_WINDOW)
    scope = _goal_scope(goal)
    before_start, after_end = done_at - window, done_at + window
    before = kpi_compute(
        goal.kpi, start=before_start, end=done_at, scope=scope, aged_days=goal.aged_days
    )
    after = kpi_compute(
        goal.kpi, start=done_at, end=after_end, scope=scope, aged_days=goal.aged_days
    )
    kpi = CATALOGUE[goal.kpi]
    if window < CHECK_MIN_WINDOW:
        result = stats.TestResult("window_too_short", None, None)
    elif goal.kpi in MEAN_KPIS:
        result = stats.mann_whitney_grouped(
            kpi_distribution(
                goal.kpi, start=before_start, split=done_at, end=after_end, scope=scope
            )
        )
    elif kpi.unit == "%":
        result = stats.two_proportion_z(
            before.hits or 0, before.sample, after.hits or 0, after.sample
        )
    else:
        result = stats.poisson_rates(before.sample, after.sample)
    verdict = stats.verdict_from(result, higher_is_better=goal.direction == Direction.AT_LEAST)
    if (
        verdict in (Verdict.IMPROVED, Verdict.WORSE)
        and before.value is not None
        and after.value is not None
        and abs(after.value - before.value) < CHECK_MIN_EFFECT * abs(before.value)
    ):
        # Significant but tiny (large samples make any difference "significant"): the
        # register should not credit an action with a change nobody would notice.
        verdict = Verdict.NO_CHANGE
    return {
        "window_days": max(window.days, 0),
        "before_value": before.value,
        "after_value": after.value,
        "before_n": before.sample,
        "after_n": after.sample,
        "test": result.test,
        "p_value": None if result.p_value is None else round(result.p_value, 6),
        "verdict": verdict,
    }


def _actions_check(review: Review, now: datetime) -> None:
    """For every done action with a goal, completed before the period's end (and not too
    long ago): store the effectiveness check on the review and the verdict on the action."""
    actions = list(
        ImprovementAction.objects.filter(
            status=ActionStatus.DONE,
            goal__isnull=False,
            completed_at__lt=review.period_end,
            completed_at__gte=review.period_end - CHECK_HORIZON,
        )
        .select_related("goal")
        .prefetch_related("goal__services")
    )
    checks = []
    for action in actions:
        effect = action_effect(action, until=review.period_end)
        checks.append(ActionCheck(review=review, action=action, **effect))
        action.verdict = effect["verdict"]
        action.verdict_at = now
    ActionCheck.objects.bulk_create(checks)
    ImprovementAction.objects.bulk_update(actions, ["verdict", "verdict_at"])


@transaction.atomic
def action_create(*, actor: Any, data: dict[str, Any]) -> ImprovementAction:
    """Add an action to the register. Raises: permission_denied, ValidationError."""
    permission_require(actor, "pdca.add_improvementaction")
    action = ImprovementAction(**{k: v for k, v in data.items() if k in ACTION_FIELDS})
    _action_completion(action, timezone.now())
    action._history_user = actor
    action.full_clean()
    action.save()
    return action


@transaction.atomic
def action_update(
    *, actor: Any, action_id: int, expected_version: int | None, data: dict[str, Any]
) -> ImprovementAction:
    """Change an action; done stamps completed_at (and re-opening clears it and the verdict).
    Raises: permission_denied, not_found, version_conflict, ValidationError."""
    permission_require(actor, "pdca.change_improvementaction")
    action = locked_get(
        ImprovementAction.objects.all(), pk=action_id, expected_version=expected_version
    )
    changed = fields_apply(action, data, ACTION_FIELDS)
    changed += _action_completion(action, timezone.now())
    action.full_clean()
    action._history_user = actor
    version_bump(action, changed)
    return action


def _action_completion(action: ImprovementAction, now: datetime) -> list[str]:
    if action.status == ActionStatus.DONE and action.completed_at is None:
        action.completed_at = now
        return ["completed_at"]
    if action.status != ActionStatus.DONE and action.completed_at is not None:
        action.completed_at = None
        action.verdict = ""
        action.verdict_at = None
        return ["completed_at", "verdict", "verdict_at"]
    return []


# --- Strategic vs operational ------------------------------------------------------------------

RECURRING_AFTER_FIX_MIN = 2  # incidents on a resolved problem within one period


def _recurring_after_fix_findings(review: Review) -> list[Finding]:
    """Problems resolved before incidents linked to them kept arriving in the period."""
    start, end = review.period_start, review.period_end
    rows = list(
        ProblemIncident.objects.filter(
            incident__opened_at__gte=start,
            incident__opened_at__lt=end,
            problem__resolved_at__isnull=False,
            problem__resolved_at__lt=F("incident__opened_at"),
        )
        .values("problem_id")
        .annotate(recurred=Count("pk"))
        .filter(recurred__gte=RECURRING_AFTER_FIX_MIN)
        .order_by("problem_id")[:50]
    )
    by_pk = Problem.objects.in_bulk([r["problem_id"] for r in rows])
    problems = []
    for row in rows:
        problem = by_pk[row["problem_id"]]
        problem.recurred = row["recurred"]
        problems.append(problem)
    findings = []
    for problem in problems:
        finding = Finding(
            review=review,
            kind="recurring_after_fix",
            strategic=True,
            url=problem.get_absolute_url(),
            text=_(
                "{n} incidents recurred after {problem} was resolved: a strategic question."
            ).format(n=problem.recurred, problem=problem.number),
        )
        finding.problem = problem  # for the escalation below, not a column
        findings.append(finding)
    return findings


def _strategic_escalate(review: Review, findings: list[Finding], now: datetime) -> None:
    """Strategic findings become strategic queue items (one open item per subject); records
    set strategic on their forms without a reason get an item too."""
    open_items = StrategicItem.objects.filter(decided_at__isnull=True)
    goals_open = set(open_items.filter(goal__isnull=False).values_list("goal_id", flat=True))
    problems_open = set(
        open_items.filter(kind=StrategicKind.RECURRING).values_list("problem_id", flat=True)
    )
    items = []
    for finding in findings:
        if not finding.strategic:
            continue
        if finding.goal_id and finding.goal_id not in goals_open:
            goals_open.add(finding.goal_id)
            items.append(
                StrategicItem(
                    kind=StrategicKind.GOAL,
                    title=finding.goal.name,
                    reason=finding.text,
                    goal_id=finding.goal_id,
                    finding=finding,
                    raised_at=now,
                )
            )
        problem = getattr(finding, "problem", None)
        if problem is not None and problem.pk not in problems_open:
            problems_open.add(problem.pk)
            items.append(
                StrategicItem(
                    kind=StrategicKind.RECURRING,
                    title=str(problem),
                    reason=finding.text,
                    problem=problem,
                    finding=finding,
                    raised_at=now,
                )
            )
    reason = _("Set strategic on the record without a reason.")
    for model, field in ((Incident, "incident"), (Problem, "problem"), (Change, "change")):
        untracked = model.objects.filter(pdca_scope=Scope.STRATEGIC).exclude(
            pk__in=open_items.filter(
                **{field + "__isnull": False, "kind": StrategicKind.RECORD}
            ).values(field)
        )
        items.extend(
            StrategicItem(
                kind=StrategicKind.RECORD,
                title=str(record)[:300],
                reason=reason,
                raised_at=now,
                **{field: record},
            )
            for record in untracked.only("pk", "number", "title").order_by("pk")[:200]
        )
    StrategicItem.objects.bulk_create(items)


def _record_model(kind: str):
    return {"incident": Incident, "problem": Problem, "change": Change}[kind]


@transaction.atomic
def strategic_triage(*, actor: Any, kind: str, record: str | int, reason: str) -> StrategicItem:
    """Triage a record strategic with a reason: it joins the managers' strategic queue.

    Raises: permission_denied, not_found, reason_required, already_strategic."""
    permission_require(actor, "pdca.add_strategicitem")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "reason_required", _("Say why this needs a strategic decision."), field="reason"
        )
    record = record_lock(_record_model(kind).objects.all(), record)
    if StrategicItem.objects.filter(decided_at__isnull=True, **{kind: record}).exists():
        raise DomainError(
            "already_strategic", _("This record already waits in the strategic queue."), status=409
        )
    if record.pdca_scope != Scope.STRATEGIC:
        record.pdca_scope = Scope.STRATEGIC
        record._history_user = actor
        version_bump(record, ["pdca_scope"])
    return StrategicItem.objects.create(
        kind=StrategicKind.RECORD,
        title=str(record)[:300],
        reason=reason,
        raised_by=actor,
        raised_at=timezone.now(),
        **{kind: record},
    )


@transaction.atomic
def strategic_decide(
    *,
    actor: Any,
    item_id: int,
    decision: str,
    note: str,
    new_target: float | None = None,
    now: datetime | None = None,
) -> StrategicItem:
    """Record a manager's decision and return the subject to the line (operational).

    revise_goal may set the goal's new target; new_action adds an improvement action to the
    register. Raises: permission_denied, not_found, already_decided, note_required,
    decision_invalid, goal_required."""
    permission_require(actor, "pdca.change_strategicitem")
    now = now or timezone.now()
    item = locked_get(StrategicItem.objects.all(), pk=item_id)
    if item.decided_at is not None:
        raise DomainError("already_decided", _("This item has already been decided."), status=409)
    if decision not in Decision.values:
        raise DomainError("decision_invalid", _("Choose a decision."), field="decision")
    note = (note or "").strip()
    if not note:
        raise DomainError("note_required", _("Write a note for the decision."), field="note")
    if decision == Decision.REVISE_GOAL:
        if item.goal is None:
            raise DomainError(
                "goal_required",
                _("Only an item about a goal can revise it; choose another decision."),
                field="decision",
            )
        if new_target is not None and new_target != item.goal.target:
            goal = locked_get(Goal.objects.all(), pk=item.goal_id)
            goal.target = new_target
            goal._history_user = actor
            version_bump(goal, ["target"])
    if decision == Decision.NEW_ACTION:
        item.action = ImprovementAction.objects.create(
            title=_("Decided: {title}").format(title=item.title)[:200],
            description=note,
            owner=actor,
            due_date=timezone.localdate(now) + timedelta(days=30),
            status=ActionStatus.PLANNED,
            goal=item.goal,
            problem=item.problem,
            change=item.change,
        )
    record = item.record
    if record is not None and record.pdca_scope != Scope.OPERATIONAL:
        record = locked_get(type(record).objects.all(), pk=record.pk)
        record.pdca_scope = Scope.OPERATIONAL
        record._history_user = actor
        version_bump(record, ["pdca_scope"])
    item.decision = decision
    item.decision_note = note
    item.decided_by = actor
    item.decided_at = now
    item.save()
    return item


# --- Strategies, cycles and goals -----------------------------------------------------------

STRATEGY_FIELDS = ("name", "vision", "objectives", "owner", "horizon_start", "horizon_end")
CYCLE_FIELDS = ("strategy", "name", "start", "end", "review_days", "phase")
GOAL_FIELDS = ("cycle", "name", "kpi", "target", "direction", "priorities", "aged_days")


def _m2m_set(obj: Any, name: str, data: dict[str, Any]) -> bool:
    if name not in data:
        return False
    wanted = {o.pk for o in data[name]}
    if wanted == set(getattr(obj, name).values_list("pk", flat=True)):
        return False
    getattr(obj, name).set(data[name])
    return True


@transaction.atomic
def strategy_create(*, actor: Any, data: dict[str, Any]) -> Strategy:
    permission_require(actor, "pdca.add_strategy")
    strategy = Strategy(**{k: v for k, v in data.items() if k in STRATEGY_FIELDS})
    strategy._history_user = actor
    strategy.full_clean()
    strategy.save()
    _m2m_set(strategy, "services", data)
    return strategy


@transaction.atomic
def strategy_update(
    *, actor: Any, strategy_id: int, expected_version: int | None, data: dict[str, Any]
) -> Strategy:
    permission_require(actor, "pdca.change_strategy")
    strategy = locked_get(Strategy.objects.all(), pk=strategy_id, expected_version=expected_version)
    changed = fields_apply(strategy, data, STRATEGY_FIELDS)
    strategy.full_clean()
    strategy._history_user = actor
    touched = _m2m_set(strategy, "services", data)
    version_bump(strategy, changed, touched=touched)
    if touched:
        for cycle_id in strategy.cycles.values_list("pk", flat=True):
            record_links_refresh(cycle_id=cycle_id, rebuild=True)
    return strategy


def cycle_overlap_check(cycle: Cycle) -> None:
    """Refuse a cycle overlapping another of the same scope: the same strategy, or a strategy
    sharing a service (a strategy without services covers all). Raises ValidationError."""
    if not (cycle.strategy_id and cycle.start and cycle.end):
        return
    others = Cycle.objects.filter(start__lte=cycle.end, end__gte=cycle.start).exclude(pk=cycle.pk)
    services = set(
        Strategy.services.through.objects.filter(strategy_id=cycle.strategy_id).values_list(
            "service_id", flat=True
        )
    )
    for other in others.select_related("strategy").prefetch_related("strategy__services"):
        theirs = {s.pk for s in other.strategy.services.all()}
        if (
            other.strategy_id == cycle.strategy_id
            or not services
            or not theirs
            or services & theirs
        ):
            raise ValidationError(
                {
                    "start": _(
                        "This period overlaps the cycle “{other}” ({start} – {end}) of the same scope."
                    ).format(other=other, start=other.start, end=other.end)
                }
            )


def _cycle_clean(cycle: Cycle) -> None:
    errors = {}
    for name in ("start", "end"):
        value = getattr(cycle, name)
        if value and not 1900 <= value.year <= 9998:
            errors[name] = _("Give a date between 1900 and 9998.")
    if not errors and cycle.start and cycle.end and cycle.end <= cycle.start:
        errors["end"] = _("The cycle must end after it starts.")
    if errors:
        raise ValidationError(errors)
    cycle.full_clean()
    cycle_overlap_check(cycle)


@transaction.atomic
def cycle_create(*, actor: Any, data: dict[str, Any]) -> Cycle:
    permission_require(actor, "pdca.add_cycle")
    cycle = Cycle(**{k: v for k, v in data.items() if k in CYCLE_FIELDS})
    _cycle_clean(cycle)
    cycle._history_user = actor
    cycle.save()
    record_links_refresh(cycle_id=cycle.pk, rebuild=True)
    return cycle


@transaction.atomic
def cycle_update(
    *, actor: Any, cycle_id: int, expected_version: int | None, data: dict[str, Any]
) -> Cycle:
    permission_require(actor, "pdca.change_cycle")
    cycle = locked_get(Cycle.objects.all(), pk=cycle_id, expected_version=expected_version)
    changed = fields_apply(cycle, data, CYCLE_FIELDS)
    _cycle_clean(cycle)
    cycle._history_user = actor
    version_bump(cycle, changed)
    if {"start", "end", "strategy"} & set(changed):
        record_links_refresh(cycle_id=cycle.pk, rebuild=True)
    return cycle


def _goal_clean(goal: Goal) -> None:
    errors = {}
    if not goal.kpi:
        errors["kpi"] = _("Choose the KPI the goal is measured by.")
    if goal.target is None:
        errors["target"] = _("Give the target the KPI must reach.")
    if errors:
        raise ValidationError(errors)
    goal.full_clean()


@transaction.atomic
def goal_create(*, actor: Any, data: dict[str, Any]) -> Goal:
    permission_require(actor, "pdca.add_goal")
    goal = Goal(**{k: v for k, v in data.items() if k in GOAL_FIELDS})
    _goal_clean(goal)
    goal._history_user = actor
    goal.save()
    _m2m_set(goal, "services", data)
    return goal


@transaction.atomic
def goal_update(
    *, actor: Any, goal_id: int, expected_version: int | None, data: dict[str, Any]
) -> Goal:
    permission_require(actor, "pdca.change_goal")
    goal = locked_get(Goal.objects.all(), pk=goal_id, expected_version=expected_version)
    changed = fields_apply(goal, data, GOAL_FIELDS)
    _goal_clean(goal)
    goal._history_user = actor
    version_bump(goal, changed, touched=_m2m_set(goal, "services", data))
    return goal


# --- Records → cycles -------------------------------------------------------------------------

_LINKED = (("incident", Incident), ("problem", Problem), ("change", Change))


def _cycle_bounds(cycle: Cycle) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(cycle.start, datetime.min.time(), tz)
    return start, datetime.combine(cycle.end, datetime.min.time(), tz) + timedelta(days=1)


def record_links_refresh(*, cycle_id: int, rebuild: bool = False) -> None:
    """Link every incident, problem and change opened in the cycle's period and within its
    strategy's services (all, when it names none) to the cycle, unless the record already
    has a link. `rebuild` first drops the cycle's automatic links (its period or scope
    changed). Set-based: INSERT … SELECT, a fixed number of queries whatever the rows."""
    cycle = Cycle.objects.get(pk=cycle_id)
    if rebuild:
        RecordCycle.objects.filter(cycle=cycle, manual=False).delete()
    start, end = _cycle_bounds(cycle)
    services = list(
        Strategy.services.through.objects.filter(strategy_id=cycle.strategy_id).values_list(
            "service_id", flat=True
        )
    )
    table = connection.ops.quote_name(RecordCycle._meta.db_table)
    for field, model in _LINKED:
        queryset = model.objects.filter(opened_at__gte=start, opened_at__lt=end, pdca_cycle=None)
        if services:
            queryset = queryset.filter(service_id__in=services)
        sql, params = (
            queryset.order_by()
            .annotate(
                link_cycle=Value(cycle.pk, output_field=IntegerField()),
                link_manual=Value(False, output_field=BooleanField()),
            )
            .values_list("link_cycle", "pk", "link_manual")
            .query.sql_with_params()
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO {t} (cycle_id, {f}_id, manual) {sql}".format(
                    t=table, f=field, sql=sql
                ),
                params,
            )


@transaction.atomic
def record_cycle_set(
    *, actor: Any, kind: str, record: str | int, cycle_id: int | None
) -> RecordCycle | None:
    """A manager links a record to a cycle by hand (it stays), or with None returns it to the
    automatic link. Raises: permission_denied, not_found."""
    permission_require(actor, "pdca.change_recordcycle")
    record = record_lock(_record_model(kind).objects.all(), record)
    RecordCycle.objects.filter(**{kind: record}).delete()
    if cycle_id is None:
        cycle = cycle_covering(record)
        if cycle is None:
            return None
        return RecordCycle.objects.create(cycle=cycle, manual=False, **{kind: record})
    if not Cycle.objects.filter(pk=cycle_id).exists():
        raise DomainError("cycle_not_found", _("No such cycle."), field="cycle", status=404)
    return RecordCycle.objects.create(cycle_id=cycle_id, manual=True, **{kind: record})
