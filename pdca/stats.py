"""Small, honest significance tests for "did the improvement action work?" — pure Python.

The inputs are aggregates the database computed (grouped counts, proportions, event
counts), never raw rows, so the tests cost the same whatever the number of records.
All tests are two-sided with a normal approximation; below the minimum sample sizes the
answer is "too little data" rather than a guess.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass

ALPHA = 0.05
MIN_GROUP = 8  # Mann-Whitney: observations per side for the normal approximation
MIN_PROPORTION_N = 20  # two-proportion z-test: records per side
MIN_EVENTS = 10  # Poisson rate comparison: events on both sides together


@dataclass(frozen=True)
class TestResult:
    test: str
    p_value: float | None  # None: not enough data to test
    after_higher: bool | None  # the direction of the difference, when there is one


def _two_sided_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def mann_whitney_grouped(groups: Iterable[tuple[float, int, int]]) -> TestResult:
    """Mann-Whitney U from (value, count before, count after) groups of tied values.

    Mid-ranks over the groups, the tie-corrected variance and a continuity correction.
    """
    rows = sorted((v, b, a) for v, b, a in groups if b or a)
    n1 = sum(b for _v, b, _a in rows)
    n2 = sum(a for _v, _b, a in rows)
    if n1 < MIN_GROUP or n2 < MIN_GROUP:
        return TestResult("mann_whitney_u", None, None)
    n = n1 + n2
    rank_sum_before = 0.0
    ties = 0.0
    seen = 0
    for _value, before, after in rows:
        t = before + after
        rank_sum_before += before * (seen + (t + 1) / 2)
        ties += t**3 - t
        seen += t
    u_before = rank_sum_before - n1 * (n1 + 1) / 2
    mean = n1 * n2 / 2
    variance = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    if variance <= 0:  # every value identical
        return TestResult("mann_whitney_u", 1.0, None)
    diff = u_before - mean
    z = (abs(diff) - 0.5) / math.sqrt(variance) if abs(diff) > 0.5 else 0.0
    # A large U for "before" means the before values rank higher: after is lower.
    return TestResult("mann_whitney_u", _two_sided_p(z), diff < 0 if diff else None)


def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> TestResult:
    """Two-proportion z-test with the pooled proportion (before x1/n1, after x2/n2)."""
    if n1 < MIN_PROPORTION_N or n2 < MIN_PROPORTION_N:
        return TestResult("two_proportion_z", None, None)
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    diff = x2 / n2 - x1 / n1
    if se == 0:
        return TestResult("two_proportion_z", 1.0, None)
    return TestResult("two_proportion_z", _two_sided_p(diff / se), diff > 0 if diff else None)


def poisson_rates(c1: int, c2: int) -> TestResult:
    """Two event counts over equal windows: conditional on the total, c2 ~ Bin(c1+c2, ½);
    the normal approximation with a continuity correction."""
    total = c1 + c2
    if total < MIN_EVENTS:
        return TestResult("poisson_rates", None, None)
    diff = c2 - c1
    z = (abs(diff) - 1) / math.sqrt(total) if abs(diff) > 1 else 0.0
    return TestResult("poisson_rates", _two_sided_p(z), diff > 0 if diff else None)


def verdict_from(result: TestResult, *, higher_is_better: bool) -> str:
    """improved / no_change / worse / too_little_data (Verdict values)."""
    if result.p_value is None:
        return "too_little_data"
    if result.p_value >= ALPHA or result.after_higher is None:
        return "no_change"
    return "improved" if result.after_higher == higher_is_better else "worse"
