"""The improvement register: reviews propose actions for findings, and once an action is done
later reviews check whether it worked — before vs after over equal windows, with sample
sizes, a significance test and an honest verdict."""

import datetime as dt
import itertools
import math
from zoneinfo import ZoneInfo

import pytest

from core.exceptions import PermissionDenied
from pdca import stats
from pdca.kpis import KpiScope, kpi_distribution
from pdca.models import ActionCheck, Cycle, Finding, Goal, ImprovementAction, Strategy
from pdca.services import action_create, action_effect, action_update, review_run
from tests.factories import IncidentFactory, ServiceFactory, UserFactory

TZ = ZoneInfo("Europe/Stockholm")
T0 = dt.datetime(2026, 10, 5, tzinfo=TZ)
DONE = T0 + dt.timedelta(days=28)  # the action completes four weeks into the cycle


# --- the tests themselves, against independent computations ---------------------------------


def brute_force_u(before, after):
    """U for `before` by counting pairs (ties count half): the definition, not the ranks."""
    return sum((b > a) + 0.5 * (b == a) for b, a in itertools.product(before, after))


def grouped(before, after):
    values = sorted(set(before) | set(after))
    return [(v, before.count(v), after.count(v)) for v in values]


def test_mann_whitney_separated_samples():
    before, after = list(range(1, 11)), list(range(11, 21))
    result = stats.mann_whitney_grouped(grouped(before, after))
    # scipy.stats.mannwhitneyu(before, after) → p = 0.000182 (asymptotic, continuity)
    assert result.p_value == pytest.approx(0.000183, abs=2e-6)
    assert result.after_higher is True
    assert brute_force_u(before, after) == 0


def test_mann_whitney_with_ties_matches_the_pairwise_definition():
    before = [2.0, 2.0, 3.0, 5.0, 5.0, 5.0, 8.0, 9.0, 9.0]
    after = [1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 5.0, 6.0, 9.0]
    u = brute_force_u(before, after)
    n1, n2 = len(before), len(after)
    ties = sum(
        (before + after).count(v) ** 3 - (before + after).count(v) for v in set(before + after)
    )
    sigma = math.sqrt(n1 * n2 / 12 * ((n1 + n2 + 1) - ties / ((n1 + n2) * (n1 + n2 - 1))))
    z = (abs(u - n1 * n2 / 2) - 0.5) / sigma
    expected = math.erfc(z / math.sqrt(2))
    result = stats.mann_whitney_grouped(grouped(before, after))
    assert result.p_value == pytest.approx(expected)
    assert result.after_higher is False  # after tends lower
    assert stats.verdict_from(result, higher_is_better=False) == "no_change"  # p ≈ 0.25


def test_too_few_observations_are_too_little_data():
    result = stats.mann_whitney_grouped(grouped([1, 2, 3], [7, 8, 9]))
    assert result.p_value is None
    assert stats.verdict_from(result, higher_is_better=False) == "too_little_data"


def test_two_proportions_and_poisson_rates():
    result = stats.two_proportion_z(30, 100, 15, 100)  # 30 % → 15 %
    assert result.p_value == pytest.approx(0.0110, abs=2e-4)
    assert stats.verdict_from(result, higher_is_better=False) == "improved"
    assert stats.verdict_from(result, higher_is_better=True) == "worse"
    assert stats.two_proportion_z(3, 10, 1, 10).p_value is None  # under 20 per side
    result = stats.poisson_rates(30, 10)
    assert result.p_value == pytest.approx(math.erfc(19 / math.sqrt(40) / math.sqrt(2)))
    assert result.after_higher is False
    assert stats.poisson_rates(4, 3).p_value is None


# --- against the database ------------------------------------------------------------------


@pytest.fixture
def goal(db):
    owner = UserFactory(username="owner")
    strategy = Strategy.objects.create(
        name="Fast fixes", vision="Fixed fast.", owner=owner,
        horizon_start=dt.date(2026, 1, 1), horizon_end=dt.date(2027, 12, 31),
    )  # fmt: skip
    cycle = Cycle.objects.create(
        strategy=strategy, name="Q4", start=dt.date(2026, 10, 5), end=dt.date(2026, 12, 31)
    )
    goal = Goal.objects.create(
        cycle=cycle, name="MTTR ≤ 4 h", kpi="mttr_hours", target=4, direction="at_most"
    )
    goal.services.add(ServiceFactory(name="Mail"))
    return goal


def resolved(goal, at, hours, *, reopened=False):
    """An incident resolved at `at` after `hours` (in the goal's service)."""
    IncidentFactory(
        service=goal.services.get(),
        caller=UserFactory(username="caller"),
        opened_at=at - dt.timedelta(hours=hours),
        resolved_at=at,
        state="resolved",
        reopen_count=1 if reopened else 0,
    )


def done_action(goal, **extra):
    return ImprovementAction.objects.create(
        title="Runbooks for the mail queue",
        owner=goal.cycle.strategy.owner,
        due_date=DONE.date(),
        status="done",
        completed_at=DONE,
        goal=goal,
        **extra,
    )


@pytest.mark.django_db
def test_distribution_is_grouped_in_the_database(goal, django_assert_num_queries):
    for i, h in enumerate([2, 2, 5, 7.25]):
        resolved(goal, DONE - dt.timedelta(days=i + 1), h)
    for i, h in enumerate([1, 2]):
        resolved(goal, DONE + dt.timedelta(days=i + 1), h)
    service = goal.services.get().pk
    with django_assert_num_queries(1):
        rows = kpi_distribution(
            "mttr_hours",
            start=DONE - dt.timedelta(days=7),
            split=DONE,
            end=DONE + dt.timedelta(days=7),
            scope=KpiScope(services=(service,)),
        )
    assert rows == [(1.0, 0, 1), (2.0, 2, 1), (5.0, 1, 0), (7.2, 1, 0)] or rows == [
        (1.0, 0, 1),
        (2.0, 2, 1),
        (5.0, 1, 0),
        (7.3, 1, 0),
    ]


@pytest.mark.django_db
def test_a_done_action_that_worked_is_improved(goal):
    for day in range(1, 13):  # before: 6–9 h; after: 1–3 h, a dozen each
        resolved(goal, DONE - dt.timedelta(days=day, hours=1), 6 + day % 4)
        resolved(goal, DONE + dt.timedelta(days=day, hours=1), 1 + day % 3)
    action = done_action(goal)
    review = review_run(
        cycle_id=goal.cycle_id,
        period_start=DONE + dt.timedelta(days=7),
        period_end=DONE + dt.timedelta(days=14),
    )
    check = ActionCheck.objects.get(review=review, action=action)
    # the after window is the 14 days since completion, the before window the 14 days prior
    assert check.window_days == 14
    assert (check.before_n, check.after_n) == (12, 12)
    assert check.test == "mann_whitney_u"
    assert check.p_value < 0.001
    assert check.verdict == "improved"
    assert check.before_value > 6
    assert check.after_value < 3
    action.refresh_from_db()
    assert action.verdict == "improved"


@pytest.mark.django_db
def test_an_action_that_changed_nothing_says_so(goal):
    for day in range(1, 13):  # the same spread before and after
        resolved(goal, DONE - dt.timedelta(days=day, hours=1), 2 + day % 5)
        resolved(goal, DONE + dt.timedelta(days=day, hours=1), 2 + (day + 2) % 5)
    action = done_action(goal)
    effect = action_effect(action, until=DONE + dt.timedelta(days=14))
    assert effect["verdict"] == "no_change"
    assert effect["p_value"] > 0.05


@pytest.mark.django_db
def test_a_significant_but_tiny_change_is_no_measurable_change(goal):
    for day in range(1, 13):  # 10.0 h before, 10.2 h after: every pair ranks the same way
        resolved(goal, DONE - dt.timedelta(days=day, hours=1), 10)
        resolved(goal, DONE + dt.timedelta(days=day, hours=1), 10.2)
    effect = action_effect(done_action(goal), until=DONE + dt.timedelta(days=14))
    assert effect["p_value"] < 0.001
    assert effect["verdict"] == "no_change"  # a 2 % change nobody would notice


@pytest.mark.django_db
def test_worse_and_too_little_data(goal):
    for day in range(1, 11):
        resolved(goal, DONE - dt.timedelta(days=day, hours=1), 1 + day % 2)
        resolved(goal, DONE + dt.timedelta(days=day, hours=1), 10 + day % 2)
    action = done_action(goal)
    assert action_effect(action, until=DONE + dt.timedelta(days=14))["verdict"] == "worse"
    # three days after completion is too early to tell, whatever the numbers
    early = action_effect(action, until=DONE + dt.timedelta(days=3))
    assert early["verdict"] == "too_little_data"
    assert early["test"] == "window_too_short"


@pytest.mark.django_db
def test_a_rate_goal_uses_two_proportions(goal):
    goal.kpi, goal.target = "reopen_rate", 5
    goal.save()
    for i in range(40):
        at = DONE - dt.timedelta(days=1 + i % 10, hours=1)
        resolved(goal, at, 2, reopened=i % 4 == 0)  # 25 % reopened before
        resolved(goal, DONE + (DONE - at), 2, reopened=i % 20 == 0)  # 5 % after
    effect = action_effect(done_action(goal), until=DONE + dt.timedelta(days=14))
    assert (effect["before_value"], effect["after_value"]) == (25.0, 5.0)
    assert (effect["before_n"], effect["after_n"]) == (40, 40)
    assert effect["test"] == "two_proportion_z"
    assert effect["verdict"] == "improved"


@pytest.mark.django_db
def test_reviews_propose_one_action_per_finding_subject(goal):
    week = dt.timedelta(days=7)
    resolved(goal, T0 + dt.timedelta(days=1), 9)  # off track, week 0
    resolved(goal, T0 + dt.timedelta(days=8), 9)  # off track, week 1
    first = review_run(cycle_id=goal.cycle_id, period_start=T0, period_end=T0 + week)
    second = review_run(cycle_id=goal.cycle_id, period_start=T0 + week, period_end=T0 + 2 * week)
    proposed = ImprovementAction.objects.get(goal=goal)
    assert proposed.status == "proposed"
    assert proposed.owner == goal.cycle.strategy.owner
    assert proposed.source_finding.review == first
    assert proposed.due_date == dt.date(2026, 10, 26)  # two weeks after the period
    # the second review's finding is answered by the same open action, not a new one
    assert Finding.objects.get(review=second, goal=goal).action == proposed
    # once that action is done, the next finding gets a new proposal
    proposed.status, proposed.completed_at = "done", T0 + 2 * week
    proposed.save()
    resolved(goal, T0 + dt.timedelta(days=15), 9)
    review_run(cycle_id=goal.cycle_id, period_start=T0 + 2 * week, period_end=T0 + 3 * week)
    assert ImprovementAction.objects.filter(goal=goal).count() == 2


@pytest.mark.django_db
def test_done_stamps_completion_and_reopening_clears_the_verdict(goal, manager, agent):
    action = action_create(
        actor=manager,
        data={
            "title": "Knowledge article for VPN",
            "owner": manager,
            "due_date": dt.date(2026, 11, 1),
            "goal": goal,
        },
    )
    assert action.status == "proposed"
    assert action.completed_at is None
    action = action_update(
        actor=manager, action_id=action.pk, expected_version=action.version, data={"status": "done"}
    )
    assert action.completed_at is not None
    action.verdict = "improved"
    action.save()
    action = action_update(
        actor=manager,
        action_id=action.pk,
        expected_version=action.version,
        data={"status": "in_progress"},
    )
    assert (action.completed_at, action.verdict) == (None, "")
    with pytest.raises(PermissionDenied):
        action_update(actor=agent, action_id=action.pk, expected_version=None, data={})
